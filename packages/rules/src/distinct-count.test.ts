import { ManualClock } from '@vigil/runtime';
import type { Redis } from 'ioredis';
import { describe, expect, test } from '../../../test/fixtures/services';
import { DISTINCT_COUNT_SCRIPT, distinctCount, type DistinctCountInput } from './distinct-count';
import { runAlone } from './redis-batch';
import { scopeKeys } from './state-keys';
import { position } from './test-support';

const MINUTE = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Distinct users for one IP on real Redis: 10-minute window, threshold 3, 5 minutes lateness. */
function counter(redis: Redis, uid: string, overrides: Partial<DistinctCountInput> = {}) {
  const clock = new ManualClock(T0 + 60 * MINUTE);
  const keys = scopeKeys(`${uid}:`, 'test.distinct', 'ip:192.0.2.1');
  let offset = 0;
  const input = (eventId: string, value: string, atMinutes: number): DistinctCountInput => ({
    keys,
    eventId,
    eventTimeMs: T0 + atMinutes * MINUTE,
    position: position(offset++),
    value,
    windowMs: 10 * MINUTE,
    latenessMs: 5 * MINUTE,
    threshold: 3,
    maxEvidence: 50,
    nowMs: clock.now(),
    stateTtlMs: 60 * MINUTE,
    replayTtlMs: 24 * 60 * MINUTE,
    ...overrides,
  });
  const add = (eventId: string, value: string, atMinutes: number) =>
    runAlone(redis, [DISTINCT_COUNT_SCRIPT], (batch) =>
      distinctCount(batch, input(eventId, value, atMinutes)),
    );
  return { clock, keys, input, add };
}

describe('distinct count in window (Redis)', () => {
  test('state lives its TTL after the last event, renewed only once less than that is left', async ({ redis, uid }) => {
    const c = counter(redis, uid, { threshold: 100 });
    const longest = 60 * MINUTE + 60 * MINUTE / 16;
    const noted = () => redis.hget(`${c.keys.base}:data`, 'exp');
    await c.add('a1', 'alice', 0);
    expect(Number(await noted())).toBe(c.clock.now() + longest);
    for (const suffix of ['values', 'data']) {
      expect(await redis.pttl(`${c.keys.base}:${suffix}`)).toBeGreaterThan(longest - 1000);
    }
    c.clock.advance(3 * MINUTE);
    await c.add('a2', 'bob', 3);
    expect(Number(await noted())).toBe(c.clock.now() - 3 * MINUTE + longest);
    c.clock.advance(1 * MINUTE);
    await c.add('a3', 'carol', 4);
    expect(Number(await noted())).toBe(c.clock.now() + longest);
  });

  test('crosses at the third distinct value, not at the third event; one event per value as evidence', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid);
    expect(await c.add('e0', 'alice', 0)).toEqual({ kind: 'counted', count: 1, inEpisode: false });
    expect(await c.add('e1', 'alice', 1)).toEqual({ kind: 'counted', count: 1, inEpisode: false });
    expect(await c.add('e2', 'bob', 2)).toEqual({ kind: 'counted', count: 2, inEpisode: false });
    const crossed = await c.add('e3', 'carol', 3);
    expect(crossed).toMatchObject({
      kind: 'crossed',
      replayed: false,
      crossing: {
        triggerEventId: 'e3',
        count: 3,
        threshold: 3,
        windowMs: 10 * MINUTE,
        firstEventMs: T0 + MINUTE,
        windowEndMs: T0 + 3 * MINUTE,
        detectedAtMs: c.clock.now(),
        values: ['alice', 'bob', 'carol'],
      },
    });
    if (crossed.kind !== 'crossed') throw new Error('unreachable');
    expect(crossed.crossing.evidence.map((e) => [e.eventId, e.offset])).toEqual([
      ['e1', '1'],
      ['e2', '2'],
      ['e3', '3'],
    ]);
    // The burst goes on: named by its crossing event, with its events so far.
    expect(await c.add('e4', 'dave', 4)).toEqual({
      kind: 'counted',
      count: 4,
      inEpisode: true,
      burst: { id: 'e3', events: 4 },
    });
    // Redelivered, it repeats the same answer, so the same continuation is built again.
    expect(await c.add('e4', 'dave', 4)).toEqual({
      kind: 'counted',
      count: 0,
      inEpisode: true,
      burst: { id: 'e3', events: 4 },
    });
    expect(await c.add('e5', 'erin', 5)).toMatchObject({ burst: { id: 'e3', events: 5 } });
  });

  test('a value exactly one window old still counts; a millisecond older does not', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid);
    await c.add('a', 'alice', 0);
    await c.add('b', 'bob', 5);
    expect(await c.add('c', 'carol', 10)).toMatchObject({ kind: 'crossed' });
    const d = counter(redis, `${uid}-2`);
    await d.add('a', 'alice', 0);
    await d.add('b', 'bob', 5);
    const past = await runAlone(redis, [DISTINCT_COUNT_SCRIPT], (batch) =>
      distinctCount(batch, { ...d.input('c', 'carol', 10), eventTimeMs: T0 + 10 * MINUTE + 1 }),
    );
    expect(past).toEqual({ kind: 'counted', count: 2, inEpisode: false });
  });

  test('redeliveries count nothing; the crossing event redelivered repeats the crossing', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid);
    await c.add('e0', 'alice', 0);
    expect(await c.add('e0', 'alice', 0)).toEqual({ kind: 'duplicate' });
    await c.add('e1', 'bob', 1);
    const first = await c.add('e2', 'carol', 2);
    await c.add('e3', 'carol', 3);
    c.clock.advance(MINUTE);
    const again = await runAlone(redis, [DISTINCT_COUNT_SCRIPT], (batch) =>
      distinctCount(batch, { ...c.input('e2', 'carol', 2), nowMs: c.clock.now() }),
    );
    expect(first.kind).toBe('crossed');
    expect(again).toEqual({ ...first, replayed: true });
  });

  test('late beyond the lateness is reported; within it, the value counts toward the newest window', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid);
    await c.add('e0', 'alice', 20);
    expect(await c.add('late', 'bob', 14.99)).toEqual({ kind: 'late', newestMs: T0 + 20 * MINUTE });
    expect(await c.add('in-time', 'bob', 15)).toEqual({ kind: 'counted', count: 2, inEpisode: false });
    expect(await c.add('older-alice', 'alice', 16)).toEqual({ kind: 'duplicate' });
    expect(await c.add('carol', 'carol', 17)).toMatchObject({ kind: 'crossed', crossing: { count: 3 } });
  });

  test('a replay of events whose values were counted and trimmed is a duplicate, not late', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid, { threshold: 100 });
    await c.add('alice-0', 'alice', 0);
    await c.add('bob-1', 'bob', 1);
    // An hour later: alice and bob are trimmed from the window.
    await c.add('carol-60', 'carol', 60);
    expect(await c.add('alice-0', 'alice', 0)).toEqual({ kind: 'duplicate' });
    expect(await c.add('bob-1', 'bob', 1)).toEqual({ kind: 'duplicate' });
    // Never counted: late. A newer event of a trimmed value was not counted either: late.
    expect(await c.add('dave-1', 'dave', 1)).toEqual({ kind: 'late', newestMs: T0 + 60 * MINUTE });
    expect(await c.add('alice-2', 'alice', 2)).toEqual({ kind: 'late', newestMs: T0 + 60 * MINUTE });
  });

  test('fires again only after a quiet window; old values are trimmed', async ({ redis, uid }) => {
    const c = counter(redis, uid);
    const kinds: string[] = [];
    for (const [i, [value, minute]] of (
      [
        ['a', 0],
        ['b', 1],
        ['c', 2],
        ['d', 5],
        ['e', 40],
        ['f', 41],
        ['g', 42],
      ] as const
    ).entries()) {
      kinds.push((await c.add(`e${i}`, value, minute)).kind);
    }
    expect(kinds).toEqual(['counted', 'counted', 'crossed', 'counted', 'counted', 'counted', 'crossed']);
    expect(await redis.zrange(`${c.keys.base}:values`, 0, -1)).toEqual(['e', 'f', 'g']);
    const fields = await redis.hkeys(`${c.keys.base}:data`);
    expect(fields.filter((f) => f.startsWith('v:')).sort()).toEqual(['v:e', 'v:f', 'v:g']);
  });

  test('evidence is capped and always holds the trigger', async ({ redis, uid }) => {
    const c = counter(redis, uid, { threshold: 5, maxEvidence: 2 });
    for (const [i, value] of ['a', 'b', 'c', 'd'].entries()) await c.add(`e${i}`, value, i);
    const result = await c.add('e4', 'e', 4);
    if (result.kind !== 'crossed') throw new Error(`expected a crossing, got ${result.kind}`);
    expect(result.crossing.count).toBe(5);
    expect(result.crossing.evidence.map((e) => e.eventId)).toEqual(['e3', 'e4']);
  });
});
