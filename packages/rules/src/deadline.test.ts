import { ManualClock } from '@vigil/runtime';
import { Detection } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { Redis } from 'ioredis';
import { describe, expect, test } from '../../../test/fixtures/services';
import {
  DEADLINE_SCRIPTS,
  armDeadline,
  claimDueDeadlines,
  commitDeadlines,
  deadlineKeys,
  type DeadlineResult,
} from './deadline';
import { deadlineSuffix } from './detection-builder';
import { createDetector } from './detector';
import { FIXTURE_EPOCH_MS, MINUTE, SECOND, heartbeat } from './fixture-events';
import { sourceSilentRule } from './logging/source-silent.rule';
import { RedisBatch, runAlone } from './redis-batch';
import type { Rule } from './rule';
import { asMessages, position } from './test-support';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** One rule's deadlines on real Redis, driven by a manual clock. */
function timers(redis: Redis, uid: string) {
  const clock = new ManualClock(T0);
  const keys = deadlineKeys(`${uid}:`, 'test.deadline');
  let offset = 0;
  const arm = (
    eventId: string,
    atMs: number,
    allowanceMs: number,
    scope = 'source:okta',
    op: 'arm' | 'arm-if-absent' = 'arm',
  ): Promise<DeadlineResult> =>
    runAlone(redis, DEADLINE_SCRIPTS, (batch) =>
      armDeadline(batch, {
        keys,
        groupKey: 'g',
        op,
        scope,
        eventId,
        eventTimeMs: T0 + atMs,
        position: position(offset++),
        dueAtMs: T0 + atMs + allowanceMs,
        nowMs: clock.now(),
      }),
    );
  const tick = (leaseMs = MINUTE) =>
    runAlone(redis, DEADLINE_SCRIPTS, (batch) =>
      claimDueDeadlines(batch, { keys, nowMs: clock.now(), leaseMs, max: 100 }),
    );
  const commit = (firings: Array<{ scope: string; dueMs: number }>) =>
    runAlone(redis, DEADLINE_SCRIPTS, (batch) => commitDeadlines(batch, { keys, firings }));
  return { clock, keys, arm, tick, commit };
}

describe('deadline timers (Redis)', () => {
  test('a deadline fires at its due time, not a millisecond before, with the arming event as evidence', async ({
    redis,
    uid,
  }) => {
    const t = timers(redis, uid);
    expect(await t.arm('e0', 0, 5 * MINUTE)).toEqual({ kind: 'armed' });
    t.clock.set(T0 + 5 * MINUTE - 1);
    expect(await t.tick()).toEqual([]);
    t.clock.set(T0 + 5 * MINUTE);
    expect(await t.tick()).toEqual([
      {
        scope: 'source:okta',
        dueMs: T0 + 5 * MINUTE,
        armedAtMs: T0,
        detectedAtMs: T0 + 5 * MINUTE,
        evidence: {
          eventId: 'e0',
          topic: 'vigil.events',
          partition: 0,
          offset: '0',
          time: new Date(T0).toISOString(),
        },
      },
    ]);
  });

  test('only a newer event re-arms: the deadline follows the newest event time, in any order', async ({
    redis,
    uid,
  }) => {
    const t = timers(redis, uid);
    await t.arm('e2', 2 * MINUTE, 5 * MINUTE);
    expect(await t.arm('e1', MINUTE, 5 * MINUTE)).toEqual({ kind: 'unchanged' });
    expect(await t.arm('e2', 2 * MINUTE, 5 * MINUTE)).toEqual({ kind: 'unchanged' });
    expect(await redis.zscore(t.keys.due, 'source:okta')).toBe(String(T0 + 7 * MINUTE));
    expect(await t.arm('e3', 3 * MINUTE, 5 * MINUTE)).toEqual({ kind: 'armed' });
    expect(await redis.zscore(t.keys.due, 'source:okta')).toBe(String(T0 + 8 * MINUTE));
  });

  test('arm-if-absent arms a scope with no timer and leaves an armed one alone', async ({ redis, uid }) => {
    const t = timers(redis, uid);
    expect(await t.arm('b0', 0, 90 * MINUTE, 'resource:db', 'arm-if-absent')).toEqual({ kind: 'armed' });
    expect(await t.arm('b1', MINUTE, 90 * MINUTE, 'resource:db', 'arm-if-absent')).toEqual({
      kind: 'unchanged',
    });
    expect(await t.arm('r2', 2 * MINUTE, 90 * MINUTE, 'resource:db')).toEqual({ kind: 'armed' });
    expect(await redis.zscore(t.keys.due, 'resource:db')).toBe(String(T0 + 92 * MINUTE));
  });

  test('a claimed firing is leased: not claimed again until the lease ends, then the same record', async ({
    redis,
    uid,
  }) => {
    const t = timers(redis, uid);
    await t.arm('e0', 0, MINUTE);
    t.clock.set(T0 + 2 * MINUTE);
    const first = await t.tick();
    expect(first).toHaveLength(1);
    t.clock.advance(MINUTE - 1);
    expect(await t.tick()).toEqual([]);
    t.clock.advance(1);
    expect(await t.tick()).toEqual(first);
    await t.commit(first);
    t.clock.advance(10 * MINUTE);
    expect(await t.tick()).toEqual([]);
  });

  test('the next event after a firing resolves it; redelivered, it repeats the resolution', async ({
    redis,
    uid,
  }) => {
    const t = timers(redis, uid);
    await t.arm('e0', 0, MINUTE);
    t.clock.set(T0 + 2 * MINUTE);
    const fired = await t.tick();
    await t.commit(fired);
    t.clock.set(T0 + 3 * MINUTE);
    const resolved = await t.arm('e3', 3 * MINUTE, MINUTE);
    expect(resolved).toMatchObject({
      kind: 'resolved',
      replayed: false,
      resolution: {
        triggerEventId: 'e3',
        triggerTimeMs: T0 + 3 * MINUTE,
        dueMs: T0 + MINUTE,
        firedAtMs: T0 + 2 * MINUTE,
        armedAtMs: T0,
        detectedAtMs: T0 + 3 * MINUTE,
      },
    });
    if (resolved.kind !== 'resolved') throw new Error('unreachable');
    expect(resolved.resolution.evidence.map((e) => e.eventId)).toEqual(['e0', 'e3']);
    t.clock.advance(MINUTE);
    expect(await t.arm('e3', 3 * MINUTE, MINUTE)).toEqual({ ...resolved, replayed: true });
    // Re-armed: the new deadline fires in its turn.
    t.clock.set(T0 + 4 * MINUTE);
    expect((await t.tick()).map((f) => f.dueMs)).toEqual([T0 + 4 * MINUTE]);
  });

  test('an event that re-arms during the lease keeps its new deadline through the commit', async ({
    redis,
    uid,
  }) => {
    const t = timers(redis, uid);
    await t.arm('e0', 0, MINUTE);
    t.clock.set(T0 + 2 * MINUTE);
    const fired = await t.tick();
    expect(await t.arm('e2', 2 * MINUTE, MINUTE)).toMatchObject({ kind: 'resolved' });
    await t.commit(fired);
    expect(await redis.zscore(t.keys.due, 'source:okta')).toBe(String(T0 + 3 * MINUTE));
  });

  test('every scope of a batch goes in one call, each read and written once', async ({ redis, uid }) => {
    const t = timers(redis, uid);
    const batch = new RedisBatch(redis, DEADLINE_SCRIPTS);
    const results = ['a', 'b', 'a', 'c', 'b'].map((scope, i) =>
      armDeadline(batch, {
        keys: t.keys,
        groupKey: 'g',
        op: 'arm',
        scope,
        eventId: `e${i}`,
        eventTimeMs: T0 + i * SECOND,
        position: position(i),
        dueAtMs: T0 + i * SECOND + MINUTE,
        nowMs: T0,
      }),
    );
    expect(batch.size).toBe(1);
    await batch.flush();
    expect((await Promise.all(results)).map((r) => r.kind)).toEqual([
      'armed',
      'armed',
      'armed',
      'armed',
      'armed',
    ]);
    expect(await redis.zrange(t.keys.due, 0, -1, 'WITHSCORES')).toEqual([
      'a',
      String(T0 + 2 * SECOND + MINUTE),
      'c',
      String(T0 + 3 * SECOND + MINUTE),
      'b',
      String(T0 + 4 * SECOND + MINUTE),
    ]);
  });
});

/** logging.source-silent watching `okta` (5 minutes) with one minute's grace: due 6 minutes after. */
const watching = {
  ...sourceSilentRule,
  params: sourceSilentRule.parameters.parse({ sources: { okta: 300 } }),
} as Rule;

/** Twenty sources, s0 to s19, each expected every 5 minutes. */
const sources = Array.from({ length: 20 }, (_, i) => `s${i}`);
const watchingMany = {
  ...sourceSilentRule,
  params: sourceSilentRule.parameters.parse({ sources: Object.fromEntries(sources.map((s) => [s, 300])) }),
} as Rule;

describe('detector.tick (Redis)', () => {
  test('two detectors ticking at once fire each due deadline once; a crash repeats the same ids', async ({
    redis,
    redisUrl,
    uid,
  }) => {
    const other = new Redis(redisUrl);
    try {
      const clock = new ManualClock(FIXTURE_EPOCH_MS);
      const options = {
        keyPrefix: `${uid}:`,
        rules: [watchingMany],
        clock,
        logger: silentLogger,
        timerLeaseMs: MINUTE,
      };
      const a = createDetector({ ...options, redis });
      const b = createDetector({ ...options, redis: other });
      await a.processBatch(asMessages(sources.map((source, i) => heartbeat({ id: `h${i}`, at: 0, source }))));

      clock.set(FIXTURE_EPOCH_MS + 6 * MINUTE);
      const ticks = await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      const fired = ticks.flatMap((t) => t.detections);
      expect(fired.map((d) => d.entity.id).sort()).toEqual([...sources].sort());
      for (const d of fired) expect(Detection.parse(d)).toEqual(d);
      expect(fired.find((d) => d.entity.id === 's0')).toMatchObject({
        id: `logging.source-silent:logging.source-silent:source:s0:s0:h0:${deadlineSuffix(FIXTURE_EPOCH_MS + 6 * MINUTE)}`,
        status: 'firing',
        ownerKey: 's0',
        criteria: ['CC7.2'],
        firstEventAt: new Date(FIXTURE_EPOCH_MS).toISOString(),
        detectedAt: new Date(FIXTURE_EPOCH_MS + 6 * MINUTE).toISOString(),
        evidence: [
          {
            eventId: 's0:h0',
            topic: 'vigil.events',
            partition: 0,
            offset: '0',
            time: new Date(FIXTURE_EPOCH_MS).toISOString(),
          },
        ],
      });

      // Nobody committed (both died). Within the lease nothing fires; after it, the same detections.
      clock.advance(MINUTE - 1);
      expect((await Promise.all([a.tick(), b.tick()])).flatMap((t) => t.detections)).toEqual([]);
      clock.advance(1);
      const retried = await Promise.all([b.tick(), a.tick()]);
      const again = retried.flatMap((t) => t.detections);
      const byId = (list: Detection[]) => [...list].sort((x, y) => x.id.localeCompare(y.id));
      expect(byId(again)).toEqual(byId(fired));
      await Promise.all(retried.map((t) => t.commit()));
      clock.advance(10 * MINUTE);
      expect((await Promise.all([a.tick(), b.tick()])).flatMap((t) => t.detections)).toEqual([]);
    } finally {
      other.disconnect();
    }
  });

  test('a tick with nothing due, or without timer rules, is empty and cheap', async ({ redis, uid }) => {
    const clock = new ManualClock(FIXTURE_EPOCH_MS);
    const none = createDetector({ redis, keyPrefix: `${uid}:`, rules: [], clock, logger: silentLogger });
    const result = await none.tick();
    expect(result.detections).toEqual([]);
    await result.commit();
    const one = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: [watching],
      clock,
      logger: silentLogger,
    });
    expect((await one.tick()).detections).toEqual([]);
  });

  test('a source no longer registered does not fire, and its deadline is dropped', async ({ redis, uid }) => {
    const clock = new ManualClock(FIXTURE_EPOCH_MS);
    const before = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: [watching],
      clock,
      logger: silentLogger,
    });
    await before.processBatch(asMessages([heartbeat({ id: 'h0', at: 0, source: 'okta' })]));
    const unregistered = {
      ...sourceSilentRule,
      params: sourceSilentRule.parameters.parse({ sources: { github: 60 } }),
    } as Rule;
    const after = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: [unregistered],
      clock,
      logger: silentLogger,
    });
    clock.set(FIXTURE_EPOCH_MS + 10 * MINUTE);
    const tick = await after.tick();
    expect(tick.detections).toEqual([]);
    await tick.commit();
    expect(await redis.zcard(deadlineKeys(`${uid}:`, 'logging.source-silent').due)).toBe(0);
  });
});
