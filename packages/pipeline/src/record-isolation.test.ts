import { RetryableError, ValidationError } from '@vigil/runtime';
import { describe, expect, it } from 'vitest';
import { isolateRecords } from './record-isolation';

const noWait = { sleep: () => Promise.resolve() };

describe('isolateRecords', () => {
  it('a batch that goes through costs one call', async () => {
    const calls: number[][] = [];
    const { results, poisoned } = await isolateRecords([1, 2, 3], async (slice) => void calls.push([...slice]), noWait);
    expect(calls).toEqual([[1, 2, 3]]);
    expect(results).toHaveLength(1);
    expect(poisoned).toEqual([]);
  });

  it('finds the records that fail every time, tries each 3 times, and processes the rest in order', async () => {
    const done: number[] = [];
    const tries = new Map<number, number>();
    const { poisoned } = await isolateRecords(
      [1, 2, 3, 4, 5, 6, 7, 8],
      async (slice) => {
        for (const n of slice) if (n === 3 || n === 6) tries.set(n, (tries.get(n) ?? 0) + 1);
        if (slice.includes(3) || slice.includes(6)) throw new ValidationError(`bad record in ${slice.join(',')}`);
        done.push(...slice);
      },
      noWait,
    );
    expect(poisoned.map((p) => [p.record, p.attempts])).toEqual([[3, 3], [6, 3]]);
    expect(done).toEqual([1, 2, 4, 5, 7, 8]);
    expect(done.filter((n, i) => done.indexOf(n) !== i)).toEqual([]);
  });

  it('a record that fails once and then goes through is not set aside', async () => {
    let failures = 0;
    const { poisoned } = await isolateRecords(
      ['a'],
      async () => {
        if (failures++ < 1) throw new TypeError('flaky');
      },
      noWait,
    );
    expect(poisoned).toEqual([]);
  });

  it('a transient failure is thrown at once: nothing is skipped, the caller retries the batch', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    await expect(
      isolateRecords([1, 2], async () => {
        throw new RetryableError('register unavailable', undefined, { cause });
      }, noWait),
    ).rejects.toThrow('register unavailable');
  });

  it('waits once per round, not once per bad record', async () => {
    const waits: number[] = [];
    const { poisoned } = await isolateRecords(
      Array.from({ length: 50 }, (_, i) => i),
      async () => {
        throw new ValidationError('every record is bad');
      },
      { sleep: async (ms) => void waits.push(ms), retryDelayMs: () => 10 },
    );
    expect(poisoned).toHaveLength(50);
    expect(waits).toEqual([10, 10]);
  });
});
