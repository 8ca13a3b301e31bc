import { ManualClock } from '@vigil/runtime';
import type { Redis } from 'ioredis';
import { describe, expect, test } from '../../../test/fixtures/services';
import { CONSECUTIVE_STATE_SCRIPT, consecutiveState, type ConsecutiveStateInput } from './consecutive-state';
import { RedisBatch, runAlone } from './redis-batch';
import { scopeKeys } from './state-keys';
import { position } from './test-support';

const SECOND = 1_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Checks for one service on real Redis: 3 failures to go down, 2 minutes lateness. */
function tracker(redis: Redis, uid: string, overrides: Partial<ConsecutiveStateInput> = {}) {
  const clock = new ManualClock(T0 + 3_600 * SECOND);
  const keys = scopeKeys(`${uid}:`, 'test.state', 'service:checkout');
  let offset = 0;
  const input = (eventId: string, atSeconds: number, ok: boolean): ConsecutiveStateInput => ({
    keys,
    eventId,
    eventTimeMs: T0 + atSeconds * SECOND,
    position: position(offset++),
    succeeded: ok,
    failuresToTrip: 3,
    latenessMs: 120 * SECOND,
    nowMs: clock.now(),
    stateTtlMs: 3_600 * SECOND,
    replayTtlMs: 86_400 * SECOND,
    ...overrides,
  });
  const check = (eventId: string, atSeconds: number, ok: boolean) =>
    runAlone(redis, [CONSECUTIVE_STATE_SCRIPT], (batch) =>
      consecutiveState(batch, input(eventId, atSeconds, ok)),
    );
  return { clock, keys, input, check };
}

describe('consecutive state (Redis)', () => {
  test('goes down exactly at the third consecutive failure, from the first failure of the run', async ({
    redis,
    uid,
  }) => {
    const s = tracker(redis, uid);
    expect(await s.check('ok0', 0, true)).toEqual({ kind: 'unchanged', status: 'up' });
    expect(await s.check('f1', 30, false)).toEqual({ kind: 'unchanged', status: 'up' });
    expect(await s.check('f2', 60, false)).toEqual({ kind: 'unchanged', status: 'up' });
    const down = await s.check('f3', 90, false);
    expect(down).toEqual({
      kind: 'transition',
      replayed: false,
      transition: {
        to: 'down',
        triggerEventId: 'f3',
        triggerTimeMs: T0 + 90 * SECOND,
        sinceMs: T0 + 30 * SECOND,
        detectedAtMs: s.clock.now(),
        failures: 3,
        cause: 'consecutive',
        evidence: ['f1', 'f2', 'f3'].map((id, i) => ({
          eventId: id,
          topic: 'vigil.events',
          partition: 0,
          offset: String(i + 1),
          time: new Date(T0 + (i + 1) * 30 * SECOND).toISOString(),
        })),
      },
    });
    expect(await s.check('f4', 120, false)).toEqual({ kind: 'unchanged', status: 'down' });
    expect(await redis.hgetall(`${s.keys.base}:state`)).toMatchObject({
      status: 'down',
      since: String(T0 + 30 * SECOND),
      cause: 'f3',
    });
  });

  test('the first success while down brings it up with the downtime from the first failure', async ({
    redis,
    uid,
  }) => {
    const s = tracker(redis, uid);
    for (const [id, at] of [
      ['f1', 0],
      ['f2', 30],
      ['f3', 60],
      ['f4', 90],
    ] as const)
      await s.check(id, at, false);
    const up = await s.check('ok5', 150, true);
    if (up.kind !== 'transition') throw new Error(`expected a transition, got ${up.kind}`);
    expect(up.transition).toMatchObject({ to: 'up', triggerEventId: 'ok5', sinceMs: T0 });
    expect(up.transition.triggerTimeMs - up.transition.sinceMs).toBe(150 * SECOND);
    expect(up.transition.evidence.map((e) => e.eventId)).toEqual(['f1', 'ok5']);
    expect(await s.check('ok6', 180, true)).toEqual({ kind: 'unchanged', status: 'up' });
    expect(await redis.hgetall(`${s.keys.base}:state`)).toMatchObject({
      status: 'up',
      since: String(T0 + 150 * SECOND),
      cause: 'ok5',
    });
  });

  test('a failure delivered again is one failure', async ({ redis, uid }) => {
    const s = tracker(redis, uid);
    await s.check('f1', 0, false);
    expect(await s.check('f1', 0, false)).toEqual({ kind: 'duplicate' });
    await s.check('f2', 30, false);
    expect(await s.check('f2', 30, false)).toEqual({ kind: 'duplicate' });
    expect(await s.check('f3', 60, false)).toMatchObject({ kind: 'transition' });
  });

  test('both transitions repeat exactly when their events are redelivered, and nothing else does', async ({
    redis,
    uid,
  }) => {
    const s = tracker(redis, uid);
    const results = [];
    for (const [id, at, ok] of [
      ['f1', 0, false],
      ['f2', 30, false],
      ['f3', 60, false],
      ['ok4', 90, true],
      ['ok5', 120, true],
    ] as const) {
      results.push(await s.check(id, at, ok));
    }
    s.clock.advance(60 * SECOND);
    const again = [];
    for (const [id, at, ok] of [
      ['f1', 0, false],
      ['f2', 30, false],
      ['f3', 60, false],
      ['ok4', 90, true],
      ['ok5', 120, true],
    ] as const) {
      again.push(await s.check(id, at, ok));
    }
    expect(again).toEqual([
      { kind: 'duplicate' },
      { kind: 'duplicate' },
      { ...results[2], replayed: true },
      { ...results[3], replayed: true },
      { kind: 'duplicate' },
    ]);
  });

  test('a transition is repeated, not recomputed, after the idle state expired', async ({ redis, uid }) => {
    const s = tracker(redis, uid, { failuresToTrip: 1 });
    const first = await s.check('f0', 0, false);
    await redis.del(`${s.keys.base}:checks`, `${s.keys.base}:state`);
    s.clock.advance(7 * 3_600 * SECOND);
    const again = await runAlone(redis, [CONSECUTIVE_STATE_SCRIPT], (batch) =>
      consecutiveState(batch, { ...s.input('f0', 0, false), nowMs: s.clock.now() }),
    );
    expect(first.kind).toBe('transition');
    expect(again).toEqual({ ...first, replayed: true });
  });

  test('a check older than the lateness behind the newest is late; at the limit it counts', async ({
    redis,
    uid,
  }) => {
    const s = tracker(redis, uid);
    await s.check('f-new', 300, false);
    expect(await s.check('f-late', 179, false)).toEqual({ kind: 'late', newestMs: T0 + 300 * SECOND });
    await s.check('f-limit', 180, false);
    expect(await s.check('f-next', 310, false)).toMatchObject({
      kind: 'transition',
      transition: { to: 'down', sinceMs: T0 + 180 * SECOND },
    });
  });

  test('a check counted long ago and delivered again is a duplicate, not late; one never counted is late', async ({
    redis,
    uid,
  }) => {
    const s = tracker(redis, uid);
    for (let i = 0; i <= 20; i++) await s.check(`ok${i}`, i * 30, true);
    // ok0 left the retained checks long ago (only the lateness and the latest 3 stay); it is remembered.
    expect(await redis.hexists(`${s.keys.base}:state`, 'p:ok0')).toBe(0);
    expect(await s.check('ok0', 0, true)).toEqual({ kind: 'duplicate' });
    expect(await s.check('never', 0, true)).toEqual({ kind: 'late', newestMs: T0 + 600 * SECOND });
    // Bounded like the windowed rules: the newest 2,000 trimmed ids, for as long as the state lives.
    expect(await redis.zcard(`${s.keys.base}:counted`)).toBeLessThanOrEqual(2_000);
    expect(await redis.pttl(`${s.keys.base}:counted`)).toBeGreaterThan(0);
  });

  test('a late failure completes a run and is the trigger', async ({ redis, uid }) => {
    const s = tracker(redis, uid);
    await s.check('f0', 0, false);
    await s.check('f60', 60, false);
    expect(await s.check('f30', 30, false)).toMatchObject({
      kind: 'transition',
      transition: { to: 'down', triggerEventId: 'f30', sinceMs: T0 },
    });
  });

  test('a late success inside an outage does not end it; only a newest success does', async ({
    redis,
    uid,
  }) => {
    const s = tracker(redis, uid);
    for (const at of [0, 30, 60, 90]) await s.check(`f${at}`, at, false);
    expect(await s.check('ok45', 45, true)).toEqual({ kind: 'unchanged', status: 'down' });
    expect(await s.check('ok120', 120, true)).toMatchObject({
      kind: 'transition',
      transition: { to: 'up', sinceMs: T0 },
    });
  });

  test('a failure and a success at the same instant: the success wins', async ({ redis, uid }) => {
    const s = tracker(redis, uid, { failuresToTrip: 1 });
    await s.check('f0', 0, false);
    expect(await s.check('ok0', 0, true)).toMatchObject({ kind: 'transition', transition: { to: 'up' } });
  });

  test('history stays bounded during a long outage', async ({ redis, uid }) => {
    const s = tracker(redis, uid);
    const batch = new RedisBatch(redis, [CONSECUTIVE_STATE_SCRIPT]);
    const results = Array.from({ length: 200 }, (_, i) =>
      consecutiveState(batch, s.input(`f${i}`, i * 30, false)),
    );
    await batch.flush();
    expect((await Promise.all(results)).filter((r) => r.kind === 'transition')).toHaveLength(1);
    // 2 minutes of lateness at one check every 30 s, plus the newest: 5 checks.
    expect(await redis.zcard(`${s.keys.base}:checks`)).toBe(5);
    const fields = await redis.hkeys(`${s.keys.base}:state`);
    expect(fields.filter((f) => f.startsWith('p:'))).toHaveLength(5);
    const up = await s.check('ok', 200 * 30, true);
    expect(up).toMatchObject({ kind: 'transition', transition: { to: 'up', sinceMs: T0 } });
  });

  test('failures from two regions within the window take it down, from the earliest failure of either', async ({
    redis,
    uid,
  }) => {
    const s = tracker(redis, uid, { regionsToTrip: 2, regionWindowMs: 120 * SECOND });
    const check = (id: string, at: number, ok: boolean, region: string) =>
      runAlone(redis, [CONSECUTIVE_STATE_SCRIPT], (batch) =>
        consecutiveState(batch, {
          ...s.input(id, at, ok),
          region,
          regionsToTrip: 2,
          regionWindowMs: 120 * SECOND,
        }),
      );
    await check('eu0', 0, false, 'eu');
    await check('us10', 10, true, 'us');
    await check('eu30', 30, false, 'eu');
    const down = await check('us40', 40, false, 'us');
    expect(down).toMatchObject({
      kind: 'transition',
      transition: {
        to: 'down',
        cause: 'regions',
        regions: ['eu', 'us'],
        failures: 2,
        sinceMs: T0,
        triggerEventId: 'us40',
      },
    });
    if (down.kind !== 'transition') throw new Error('unreachable');
    // Evidence: each failing region's latest failure.
    expect(down.transition.evidence.map((e) => e.eventId)).toEqual(['eu30', 'us40']);
    // A success from a third region while two still fail: still down. Once only one fails: up.
    expect(await check('ap50', 50, true, 'ap')).toEqual({ kind: 'unchanged', status: 'down' });
    expect(await check('eu60', 60, true, 'eu')).toMatchObject({
      kind: 'transition',
      transition: { to: 'up', sinceMs: T0, triggerTimeMs: T0 + 60 * SECOND },
    });
  });

  test('a region whose latest failure is older than the window does not count', async ({ redis, uid }) => {
    const s = tracker(redis, uid);
    const check = (id: string, at: number, ok: boolean, region: string) =>
      runAlone(redis, [CONSECUTIVE_STATE_SCRIPT], (batch) =>
        consecutiveState(batch, {
          ...s.input(id, at, ok),
          region,
          regionsToTrip: 2,
          regionWindowMs: 120 * SECOND,
        }),
      );
    await check('eu0', 0, false, 'eu');
    expect(await check('us121', 121, false, 'us')).toEqual({ kind: 'unchanged', status: 'up' });
    expect(await check('eu150', 150, false, 'eu')).toMatchObject({
      kind: 'transition',
      transition: { cause: 'consecutive' },
    });
  });

  describe('commitment mode', () => {
    const month = { periodStartMs: Date.UTC(2026, 0, 1), periodEndMs: Date.UTC(2026, 1, 1) };

    test('reports the check at which availability so far fell below the commitment, once a period', async ({
      redis,
      uid,
    }) => {
      const s = tracker(redis, uid);
      const commitment = { ...month, ratio: 0.99, basis: 'elapsed' as const };
      const check = (id: string, at: number, ok: boolean) =>
        runAlone(redis, [CONSECUTIVE_STATE_SCRIPT], (batch) =>
          consecutiveState(batch, { ...s.input(id, at, ok), commitment }),
        );
      // 0..2970 s healthy; down from 3000 s. At 3060 s (third failure): 60 s of 3060 is 98.04 % < 99 %.
      for (let at = 0; at < 3000; at += 30) await check(`ok${at}`, at, true);
      expect(await check('f3000', 3000, false)).toEqual({ kind: 'unchanged', status: 'up' });
      expect(await check('f3030', 3030, false)).toEqual({ kind: 'unchanged', status: 'up' });
      const breach = await check('f3060', 3060, false);
      expect(breach).toMatchObject({
        kind: 'breach',
        replayed: false,
        breach: {
          triggerEventId: 'f3060',
          downtimeMs: 60 * SECOND,
          spanMs: 3060 * SECOND,
          commitment: 0.99,
          basis: 'elapsed',
          firstEventMs: T0 + 3000 * SECOND,
          periodStartMs: month.periodStartMs,
        },
      });
      if (breach.kind !== 'breach') throw new Error('unreachable');
      expect(breach.breach.evidence.map((e) => e.eventId)).toEqual(['f3000', 'f3060']);
      expect(await check('f3090', 3090, false)).toEqual({ kind: 'unchanged', status: 'down' });
      expect(await check('ok3120', 3120, true)).toEqual({ kind: 'unchanged', status: 'up' });
      // Redelivered, the breaching check repeats its breach.
      expect(await check('f3060', 3060, false)).toEqual({ ...breach, replayed: true });
      // The closed outage (120 s) is kept for the period.
      expect(await redis.hget(`${s.keys.base}:state`, 'pDown')).toBe(String(120 * SECOND));
    });

    test('against the whole period, only downtime beyond the period budget breaches', async ({
      redis,
      uid,
    }) => {
      const s = tracker(redis, uid, { failuresToTrip: 1, latenessMs: 3_600 * SECOND });
      // 99.99 % of January is 267.84 s.
      const commitment = { ...month, ratio: 0.9999, basis: 'period' as const };
      const check = (id: string, at: number, ok: boolean) =>
        runAlone(redis, [CONSECUTIVE_STATE_SCRIPT], (batch) =>
          consecutiveState(batch, { ...s.input(id, at, ok), commitment }),
        );
      await check('ok0', 0, true);
      await check('f100', 100, false);
      expect(await check('ok300', 300, true)).toEqual({ kind: 'unchanged', status: 'up' });
      await check('f1000', 1000, false);
      expect(await check('f1067', 1067, false)).toEqual({ kind: 'unchanged', status: 'down' });
      expect(await check('f1068', 1068, false)).toMatchObject({
        kind: 'breach',
        breach: { downtimeMs: 268 * SECOND, spanMs: month.periodEndMs - month.periodStartMs },
      });
    });
  });
});
