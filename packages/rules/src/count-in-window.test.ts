import { ManualClock } from '@vigil/runtime';
import type { Redis } from 'ioredis';
import { describe, expect, test } from '../../../test/fixtures/services';
import { COUNT_IN_WINDOW_SCRIPT, countInWindow, type CountInWindowInput } from './count-in-window';
import { RedisBatch, runAlone } from './redis-batch';
import { scopeKeys } from './state-keys';
import { COUNTED_IDS_KEPT } from './window-reply';
import { position } from './test-support';

const MINUTE = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Counts events for one scope on real Redis with a 10-minute window, threshold 5, 5 minutes lateness. */
function counter(redis: Redis, uid: string, overrides: Partial<CountInWindowInput> = {}) {
  const clock = new ManualClock(T0 + 60 * MINUTE);
  const keys = scopeKeys(`${uid}:`, 'test.count', 'user:alice');
  let offset = 0;
  const input = (eventId: string, atMinutes: number): CountInWindowInput => ({
    keys,
    eventId,
    eventTimeMs: T0 + atMinutes * MINUTE,
    position: position(offset++),
    windowMs: 10 * MINUTE,
    latenessMs: 5 * MINUTE,
    threshold: 5,
    maxEvidence: 50,
    nowMs: clock.now(),
    stateTtlMs: 60 * MINUTE,
    replayTtlMs: 24 * 60 * MINUTE,
    ...overrides,
  });
  return {
    clock,
    keys,
    add: (eventId: string, atMinutes: number) =>
      runAlone(redis, [COUNT_IN_WINDOW_SCRIPT], (batch) => countInWindow(batch, input(eventId, atMinutes))),
    input,
  };
}

describe('count in window (Redis)', () => {
  test('crosses exactly at the threshold, with the window as evidence', async ({ redis, uid }) => {
    const c = counter(redis, uid);
    for (const [i, minute] of [0, 1, 2, 3].entries()) {
      expect(await c.add(`e${i}`, minute)).toEqual({ kind: 'counted', count: i + 1, inEpisode: false });
    }
    const crossed = await c.add('e4', 4);
    expect(crossed).toMatchObject({ kind: 'crossed', replayed: false });
    if (crossed.kind !== 'crossed') throw new Error('unreachable');
    expect(crossed.crossing).toMatchObject({
      triggerEventId: 'e4',
      count: 5,
      threshold: 5,
      windowMs: 10 * MINUTE,
      firstEventMs: T0,
      windowEndMs: T0 + 4 * MINUTE,
      detectedAtMs: c.clock.now(),
    });
    expect(crossed.crossing.evidence).toEqual(
      [0, 1, 2, 3, 4].map((i) => ({
        eventId: `e${i}`,
        topic: 'vigil.events',
        partition: 0,
        offset: String(i),
        time: new Date(T0 + i * MINUTE).toISOString(),
      })),
    );
  });

  test('an event exactly one window old is inside the window; a millisecond older is not', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid, { threshold: 100 });
    await c.add('edge', 0);
    expect(await c.add('at-edge', 10)).toMatchObject({ count: 2 });
    const past = await runAlone(redis, [COUNT_IN_WINDOW_SCRIPT], (batch) =>
      countInWindow(batch, { ...c.input('past-edge', 10), eventTimeMs: T0 + 10 * MINUTE + 1 }),
    );
    expect(past).toMatchObject({ kind: 'counted', count: 2 });
  });

  test('a redelivered event never counts twice', async ({ redis, uid }) => {
    const c = counter(redis, uid);
    await c.add('a', 0);
    expect(await c.add('a', 0)).toEqual({ kind: 'duplicate' });
    expect(await c.add('a', 1)).toEqual({ kind: 'duplicate' });
    expect(await c.add('b', 1)).toMatchObject({ count: 2 });
  });

  test('the crossing event, redelivered, gets the same crossing back even after later events', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid);
    for (const i of [0, 1, 2, 3]) await c.add(`e${i}`, i);
    const first = await c.add('e4', 4);
    // Later events push the newest time past the lateness, so e4 would now be late if it were new.
    await c.add('e5', 5);
    await c.add('e30', 30);
    c.clock.advance(MINUTE);
    const again = await runAlone(redis, [COUNT_IN_WINDOW_SCRIPT], (batch) =>
      countInWindow(batch, { ...c.input('e4', 4), nowMs: c.clock.now() }),
    );
    expect(first.kind).toBe('crossed');
    expect(again).toEqual({ ...first, replayed: true });
    // e3 was counted before it was trimmed: a replay of it is a duplicate, never a late event.
    expect(await c.add('e3', 3)).toEqual({ kind: 'duplicate' });
    expect(await c.add('never-seen', 3)).toEqual({ kind: 'late', newestMs: T0 + 30 * MINUTE });
  });

  test('a replay of events counted long ago is a duplicate; a new event as old is late', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid, { threshold: 100 });
    for (const minute of [0, 1, 2, 3]) await c.add(`old${minute}`, minute);
    // An hour later the window and the lateness have long moved past them, and trimmed them.
    await c.add('new', 63);
    expect(await redis.zcard(`${c.keys.base}:window`)).toBe(1);
    for (const minute of [0, 1, 2, 3]) expect(await c.add(`old${minute}`, minute)).toEqual({ kind: 'duplicate' });
    expect(await c.add('first-time', 2)).toEqual({ kind: 'late', newestMs: T0 + 63 * MINUTE });
    // Nothing was counted again.
    expect(await c.add('newer', 64)).toMatchObject({ kind: 'counted', count: 2 });
  });

  test('keeps the newest trimmed ids only, so memory stays bounded', async ({ redis, uid }) => {
    const c = counter(redis, uid, { threshold: 100_000 });
    const ids = Array.from({ length: COUNTED_IDS_KEPT + 10 }, (_, i) => `bulk${i}`);
    // One pipeline, as the detector sends a batch: each event a second apart over about 34 minutes.
    await runAlone(redis, [COUNT_IN_WINDOW_SCRIPT], (batch) =>
      Promise.all(
        ids.map((id, i) => countInWindow(batch, { ...c.input(id, i / 60), eventTimeMs: T0 + i * 1000 })),
      ),
    );
    await c.add('much-later', 24 * 60);
    expect(await redis.zcard(`${c.keys.base}:counted`)).toBe(COUNTED_IDS_KEPT);
    expect(await c.add(`bulk${ids.length - 1}`, (ids.length - 1) / 60)).toEqual({ kind: 'duplicate' });
    expect(await c.add('bulk0', 0)).toEqual({ kind: 'late', newestMs: T0 + 24 * 60 * MINUTE });
  });

  test('a crossing is repeated, not recomputed, after the idle window state expired', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid, { threshold: 1 });
    const first = await c.add('only', 0);
    // What the idle TTL does to the state; the crossing record has its own, longer TTL.
    await redis.del(`${c.keys.base}:window`, `${c.keys.base}:data`);
    c.clock.advance(7 * 60 * MINUTE);
    const again = await runAlone(redis, [COUNT_IN_WINDOW_SCRIPT], (batch) =>
      countInWindow(batch, { ...c.input('only', 0), nowMs: c.clock.now() }),
    );
    expect(first.kind).toBe('crossed');
    expect(again).toEqual({ ...first, replayed: true });
  });

  test('late events beyond the allowed lateness are reported, not counted; at the limit they count', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid, { threshold: 100 });
    await c.add('new', 20);
    expect(await c.add('too-late', 14.99)).toEqual({ kind: 'late', newestMs: T0 + 20 * MINUTE });
    expect(await c.add('just-in-time', 15)).toMatchObject({ kind: 'counted', count: 1 });
    expect(await c.add('newer', 21)).toMatchObject({ kind: 'counted', count: 3 });
  });

  test('one burst fires once; it fires again only after the window has been quiet', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid);
    const kinds: string[] = [];
    for (const minute of [0, 1, 2, 3, 4, 5, 6, 12, 13, 40, 41, 42, 43, 44]) {
      kinds.push((await c.add(`m${minute}`, minute)).kind);
    }
    expect(kinds.map((k, i) => (k === 'crossed' ? i : -1)).filter((i) => i >= 0)).toEqual([4, 13]);
  });

  test('an out-of-order event that completes a burst is the trigger', async ({ redis, uid }) => {
    const c = counter(redis, uid);
    for (const minute of [0, 1, 2, 4]) await c.add(`o${minute}`, minute);
    const result = await c.add('o3', 3);
    expect(result).toMatchObject({
      kind: 'crossed',
      crossing: { triggerEventId: 'o3', triggerTimeMs: T0 + 3 * MINUTE },
    });
    expect(await c.add('o5', 5)).toMatchObject({ kind: 'counted', inEpisode: true });
  });

  test('a late event completes a burst that a newer event has already moved past', async ({ redis, uid }) => {
    const c = counter(redis, uid, { latenessMs: 30 * MINUTE });
    for (const minute of [0, 1, 2, 3, 20]) await c.add(`p${minute}`, minute);
    const result = await c.add('p4', 4);
    expect(result).toMatchObject({
      kind: 'crossed',
      crossing: { triggerEventId: 'p4', windowEndMs: T0 + 4 * MINUTE, count: 5, firstEventMs: T0 },
    });
  });

  test('evidence is capped at the most recent events and always holds the trigger', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid, { maxEvidence: 2 });
    for (const minute of [0, 1, 3, 4]) await c.add(`q${minute}`, minute);
    const result = await c.add('q2', 2);
    if (result.kind !== 'crossed') throw new Error(`expected a crossing, got ${result.kind}`);
    expect(result.crossing.count).toBe(5);
    expect(result.crossing.evidence.map((e) => e.eventId)).toEqual(['q2', 'q4']);
  });

  test('old members are trimmed relative to the newest event, and idle keys expire', async ({
    redis,
    uid,
  }) => {
    const c = counter(redis, uid, { threshold: 100 });
    for (const minute of [0, 1, 2, 30]) await c.add(`r${minute}`, minute);
    expect(await redis.zrange(`${c.keys.base}:window`, 0, -1)).toEqual(['r30']);
    const fields = await redis.hkeys(`${c.keys.base}:data`);
    expect(fields.filter((f) => f.startsWith('p:'))).toEqual(['p:r30']);
    // Idle state lives the state TTL (60 minutes here) after the last event, and at most a sixteenth longer.
    for (const suffix of ['window', 'data']) {
      const ttl = await redis.pttl(`${c.keys.base}:${suffix}`);
      expect(ttl).toBeGreaterThan(60 * MINUTE - 1000);
      expect(ttl).toBeLessThanOrEqual(60 * MINUTE + 60 * MINUTE / 16);
    }
  });

  test('expiry is renewed once less than the state TTL is left, not on every event', async ({ redis, uid }) => {
    const c = counter(redis, uid, { threshold: 100 });
    const noted = () => redis.hget(`${c.keys.base}:data`, 'exp');
    await c.add('a1', 0);
    const first = await noted();
    expect(Number(first)).toBe(c.clock.now() + 60 * MINUTE + 60 * MINUTE / 16);
    c.clock.advance(3 * MINUTE); // 60.75 minutes left: still at least the TTL
    await c.add('a2', 3);
    expect(await noted()).toBe(first);
    c.clock.advance(1 * MINUTE); // 59.75 left: renewed to the longest again
    await c.add('a3', 4);
    expect(Number(await noted())).toBe(c.clock.now() + 60 * MINUTE + 60 * MINUTE / 16);
    expect(await redis.pttl(`${c.keys.base}:window`)).toBeGreaterThan(63 * MINUTE);
  });

  test('a window is trimmed once its oldest member is an eighth of the window past the horizon', async ({
    redis,
    uid,
  }) => {
    // Window 10 minutes, lateness 5: the horizon is 15 minutes behind the newest event, the slack 75 s.
    const c = counter(redis, uid, { threshold: 100 });
    await c.add('old', 0);
    expect(await c.add('mid', 15.5)).toMatchObject({ kind: 'counted', count: 1 });
    // 'old' lies half a minute past the horizon: kept, outside every count, and still known as counted.
    expect(await redis.zrange(`${c.keys.base}:window`, 0, -1)).toEqual(['old', 'mid']);
    expect(await c.add('old', 0)).toEqual({ kind: 'duplicate' });
    expect(await c.add('late', 0.2)).toMatchObject({ kind: 'late' });
    expect(await c.add('next', 16.5)).toMatchObject({ kind: 'counted', count: 2 });
    expect(await redis.zrange(`${c.keys.base}:window`, 0, -1)).toEqual(['mid', 'next']);
    expect(await redis.zrange(`${c.keys.base}:counted`, 0, -1)).toEqual(['old']);
    const fields = await redis.hkeys(`${c.keys.base}:data`);
    expect(fields.filter((f) => f.startsWith('p:')).sort()).toEqual(['p:mid', 'p:next']);
    expect(await c.add('old', 0)).toEqual({ kind: 'duplicate' });
  });

  test('calls in one batch run in order in one round trip', async ({ redis, uid }) => {
    const c = counter(redis, uid);
    const batch = new RedisBatch(redis, [COUNT_IN_WINDOW_SCRIPT]);
    const results = [0, 1, 2, 3, 4, 5].map((minute) => countInWindow(batch, c.input(`s${minute}`, minute)));
    expect(batch.size).toBe(6);
    await batch.flush();
    expect((await Promise.all(results)).map((r) => r.kind)).toEqual([
      'counted',
      'counted',
      'counted',
      'counted',
      'crossed',
      'counted',
    ]);
  });

  test('scopes and key prefixes keep their counts apart', async ({ redis, uid }) => {
    const a = counter(redis, uid);
    const otherPrefix = counter(redis, `${uid}-other`);
    await a.add('x1', 0);
    await a.add('x2', 1);
    expect(await otherPrefix.add('x3', 2)).toMatchObject({ count: 1 });
  });
});
