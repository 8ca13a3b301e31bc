import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../../../test/fixtures/services';
import { OffsetIndex, type OffsetIndexPool } from './offset-index';

const T0 = Date.parse('2026-12-03T12:00:00Z');
const MINUTE = 60_000;

function indexOn(
  pool: OffsetIndexPool,
  clock: { now: number },
  extra: { horizonMs?: number; pruneEveryMs?: number; onError?: () => void } = {},
) {
  return new OffsetIndex({
    pool,
    group: 'detectors',
    intervalMs: MINUTE,
    horizonMs: extra.horizonMs ?? 60 * MINUTE,
    logger: silentLogger,
    now: () => clock.now,
    ...extra,
  });
}

async function rows(
  pool: OffsetIndexPool,
): Promise<Array<{ partition: number; offset: string; seen: string }>> {
  const { rows: found } = await pool.query(
    `SELECT partition, record_offset::text AS offset,
            CASE WHEN seen_at = '-infinity' THEN '-infinity' ELSE (extract(epoch FROM seen_at) * 1000)::bigint::text END AS seen
       FROM detector_offset_index ORDER BY partition, record_offset`,
  );
  return found as Array<{ partition: number; offset: string; seen: string }>;
}

describe('OffsetIndex on PostgreSQL', () => {
  test('a partition’s first record is indexed before the batch runs, as reaching back to any time', async ({
    database,
  }) => {
    const clock = { now: T0 };
    const index = indexOn(database.pool, clock);
    await index.note('events', 3, '0');
    // No wait for a flush: note() itself waited for this one.
    expect(await index.offsetAtOrBefore('events', 3, Date.parse('2000-01-01T00:00:00Z'))).toBe('0');
    expect(await index.offsetAtOrBefore('events', 4, T0)).toBeUndefined();
  });

  test('at most one entry a partition an interval; the answer is the greatest offset seen at or before the time asked', async ({
    database,
  }) => {
    const clock = { now: T0 };
    const index = indexOn(database.pool, clock);
    await index.note('events', 1, '40');
    clock.now = T0 + 10_000;
    await index.note('events', 1, '45'); // within the interval: not indexed
    clock.now = T0 + MINUTE;
    await index.note('events', 1, '90');
    await index.note('events', 2, '7'); // another partition has its own interval
    await index.stop();

    expect((await rows(database.pool)).map((row) => [row.partition, row.offset])).toEqual([
      [1, '40'],
      [1, '90'],
      [2, '7'],
    ]);
    expect(await index.offsetAtOrBefore('events', 1, T0 - 1)).toBeUndefined();
    expect(await index.offsetAtOrBefore('events', 1, T0 + 30_000)).toBe('40');
    expect(await index.offsetAtOrBefore('events', 1, T0 + MINUTE)).toBe('90');
    // Another group's detectors (another deployment) do not share the index.
    const other = new OffsetIndex({
      pool: database.pool,
      group: 'others',
      intervalMs: MINUTE,
      horizonMs: MINUTE,
      logger: silentLogger,
    });
    expect(await other.offsetAtOrBefore('events', 1, T0 + MINUTE)).toBeUndefined();
  });

  test('pruning keeps the entries within the horizon and the newest one before it', async ({ database }) => {
    const clock = { now: T0 };
    const index = indexOn(database.pool, clock, { horizonMs: 2 * MINUTE, pruneEveryMs: 0 });
    for (const [minute, offset] of [
      [0, '0'],
      [1, '50'],
      [2, '90'],
      [4, '200'],
    ] as const) {
      clock.now = T0 + minute * MINUTE;
      await index.note('events', 0, offset);
      await index.stop();
    }
    // At minute 4 the horizon is minute 2: 90 and 200 are within it, 50 is the newest before it.
    expect((await rows(database.pool)).map((row) => row.offset)).toEqual(['50', '90', '200']);
    expect(await index.offsetAtOrBefore('events', 0, T0 + 2 * MINUTE - 1)).toBe('50');
  });

  test('while PostgreSQL is unreachable nothing throws; the entries wait and are written once it answers', async ({
    database,
  }) => {
    let down = true;
    let errors = 0;
    const flaky: OffsetIndexPool = {
      query: (text, values) =>
        down
          ? Promise.reject(
              Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
            )
          : database.pool.query(text, values),
    };
    const clock = { now: T0 };
    const index = indexOn(flaky, clock, { onError: () => (errors += 1) });
    await index.note('events', 5, '0');
    clock.now = T0 + MINUTE;
    await index.note('events', 5, '30');
    await index.stop();
    expect(errors).toBeGreaterThan(0);

    down = false;
    clock.now = T0 + MINUTE + 10_000; // past the wait after a failure; within the interval, so nothing new is staged
    await index.note('events', 5, '33');
    await index.stop();
    expect((await rows(database.pool)).map((row) => [row.offset, row.seen])).toEqual([
      ['0', '-infinity'],
      // Seen when the batch came, not when it could be written.
      ['30', String(T0 + MINUTE)],
    ]);
  });
});
