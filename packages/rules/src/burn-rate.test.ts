import { ManualClock } from '@vigil/runtime';
import type { Redis } from 'ioredis';
import { describe, expect, test } from '../../../test/fixtures/services';
import {
  BURN_RATE_SCRIPT,
  burnRate,
  burnRateWindow,
  burnRateWindows,
  type BurnCondition,
  type BurnRateInput,
} from './burn-rate';
import { RedisBatch, runAlone } from './redis-batch';
import { scopeKeys } from './state-keys';
import { position } from './test-support';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Page when 10 % or more fail over both 10 minutes and 2 minutes (budget 1 %, 10x); 10 checks at least. */
const PAGE: BurnCondition = { longMs: 10 * MINUTE, shortMs: 2 * MINUTE, burnRate: 10, level: 'page' };
/** Ticket at 0.5x (0.5 %) over 7 hours (hour buckets) and 1 hour. */
const TICKET: BurnCondition = { longMs: 7 * HOUR, shortMs: HOUR, burnRate: 0.5, level: 'ticket' };

function service(redis: Redis, uid: string, name: string, overrides: Partial<BurnRateInput> = {}) {
  const clock = new ManualClock(T0 + 24 * HOUR);
  const keys = scopeKeys(`${uid}:`, 'test.burn', `service:${name}`);
  let offset = 0;
  const input = (eventId: string, good: boolean, atMinutes: number): BurnRateInput => ({
    keys,
    eventId,
    eventTimeMs: T0 + atMinutes * MINUTE,
    position: position(offset++),
    good,
    budget: 0.01,
    conditions: [PAGE],
    minEvents: 10,
    latenessMs: 2 * MINUTE,
    maxEvidence: 5,
    nowMs: clock.now(),
    stateTtlMs: 48 * HOUR,
    replayTtlMs: 48 * HOUR,
    ...overrides,
  });
  const check = (eventId: string, good: boolean, atMinutes: number) =>
    runAlone(redis, [BURN_RATE_SCRIPT], (batch) => burnRate(batch, input(eventId, good, atMinutes)));
  /** Many checks in one batch; returns the kinds. */
  const checks = async (list: Array<[string, boolean, number]>) => {
    const batch = new RedisBatch(redis, [BURN_RATE_SCRIPT]);
    const results = list.map(([id, good, at]) => burnRate(batch, input(id, good, at)));
    await batch.flush();
    return Promise.all(results);
  };
  return { clock, keys, input, check, checks };
}

const goodEveryMinute = (prefix: string, from: number, to: number): Array<[string, boolean, number]> =>
  Array.from({ length: to - from + 1 }, (_, i) => [`${prefix}${from + i}`, true, from + i]);

describe('burn rate (Redis)', () => {
  test('fires exactly at the threshold: 1 bad in 10 is 10x a 1 % budget; 1 in 11 is not', async ({
    redis,
    uid,
  }) => {
    const at = service(redis, uid, 'at');
    await at.checks(goodEveryMinute('g', 0, 8));
    const fired = await at.check('bad', false, 9);
    expect(fired).toMatchObject({
      kind: 'transition',
      replayed: false,
      transition: {
        to: 'firing',
        level: 'page',
        previous: 'none',
        triggerEventId: 'bad',
        sinceMs: T0 + 9 * MINUTE,
        condition: {
          longMs: 10 * MINUTE,
          shortMs: 2 * MINUTE,
          burnRate: 10,
          longEvents: 10,
          longBad: 1,
          shortEvents: 2,
          shortBad: 1,
          longBurn: 10,
          shortBurn: 50,
        },
      },
    });

    const below = service(redis, uid, 'below');
    await below.checks([...goodEveryMinute('g', 0, 8), ['g8.5', true, 8.5]]);
    expect(await below.check('bad', false, 9)).toEqual({ kind: 'unchanged', level: 'none' });
  });

  test('too few checks in the long window never fire', async ({ redis, uid }) => {
    const s = service(redis, uid, 'quiet');
    await s.checks(goodEveryMinute('g', 0, 7));
    expect(await s.check('bad', false, 8)).toEqual({ kind: 'unchanged', level: 'none' });
    expect(await s.check('bad2', false, 8.5)).toMatchObject({
      kind: 'transition',
      transition: { level: 'page' },
    });
  });

  test('the windows slide with event time: resolved when the failure leaves the short window', async ({
    redis,
    uid,
  }) => {
    const s = service(redis, uid, 'slide');
    await s.checks(goodEveryMinute('g', 0, 8));
    await s.check('bad', false, 9);
    expect(await s.check('g10', true, 10)).toEqual({ kind: 'unchanged', level: 'page' });
    const resolved = await s.check('g11', true, 11);
    expect(resolved).toMatchObject({
      kind: 'transition',
      transition: {
        to: 'resolved',
        level: 'none',
        previous: 'page',
        triggerEventId: 'g11',
        sinceMs: T0 + 9 * MINUTE,
      },
    });
    // A gap longer than every window empties them.
    expect(await s.check('g60', true, 60)).toEqual({ kind: 'unchanged', level: 'none' });
    const fields = await redis.hgetall(`${s.keys.base}:data`);
    expect(fields).toMatchObject({ g1: '1', b1: '0' });
  });

  test('a redelivered check counts once; a redelivered trigger repeats its transition', async ({
    redis,
    uid,
  }) => {
    const s = service(redis, uid, 'dup');
    await s.checks(goodEveryMinute('g', 0, 8));
    const first = await s.check('bad', false, 9);
    expect(await s.check('g8', true, 8)).toEqual({ kind: 'duplicate' });
    s.clock.advance(MINUTE);
    const again = await runAlone(redis, [BURN_RATE_SCRIPT], (batch) =>
      burnRate(batch, { ...s.input('bad', false, 9), nowMs: s.clock.now() }),
    );
    expect(first.kind).toBe('transition');
    expect(again).toEqual({ ...first, replayed: true });
  });

  test('late checks within the lateness count in their bucket; older ones are reported', async ({
    redis,
    uid,
  }) => {
    const s = service(redis, uid, 'late');
    await s.checks(goodEveryMinute('g', 0, 9));
    expect(await s.check('too-late', false, 6.99)).toEqual({ kind: 'late', newestMs: T0 + 9 * MINUTE });
    // Late but in time, inside both windows: 1 bad among 11 in 10 minutes is under 10 %, with another it is not.
    expect(await s.check('late-bad', false, 8.5)).toEqual({ kind: 'unchanged', level: 'none' });
    expect(await s.check('late-bad2', false, 8.6)).toMatchObject({
      kind: 'transition',
      transition: { level: 'page' },
    });
  });

  test('a check counted long ago and delivered again is a duplicate, not late; the ids kept stay bounded', async ({
    redis,
    uid,
  }) => {
    const s = service(redis, uid, 'replayed');
    await s.checks(goodEveryMinute('g', 0, 2_100));
    expect(await s.check('g500', true, 500)).toEqual({ kind: 'duplicate' });
    expect(await s.check('never', true, 5)).toEqual({ kind: 'late', newestMs: T0 + 2_100 * MINUTE });
    // The newest 2,000 ids (past the lateness), so the oldest of 2,101 are forgotten and late again.
    expect(await redis.zcard(`${s.keys.base}:seen`)).toBe(2_000);
    expect(await s.check('g0', true, 0)).toEqual({ kind: 'late', newestMs: T0 + 2_100 * MINUTE });
  });

  test('a ticket escalates to a page on the same episode; dropping back to ticket says nothing', async ({
    redis,
    uid,
  }) => {
    const s = service(redis, uid, 'levels', { conditions: [PAGE, TICKET] });
    // 80 minutes at one check a minute, then one failure: 1 in 81 over 7h and 1 in 60 over 1h is a
    // ticket, and 1 in 10 over 10 minutes (and 1 in 2 over 2) a page too: the page wins.
    await s.checks(goodEveryMinute('g', 0, 79));
    expect(await s.check('bad', false, 80)).toMatchObject({
      kind: 'transition',
      transition: { to: 'firing', level: 'page', previous: 'none' },
    });
    // Two minutes on the page no longer holds, the ticket does: no detection until both clear.
    const later = await s.checks(goodEveryMinute('h', 81, 85));
    expect(later).toEqual(Array.from({ length: 5 }, () => ({ kind: 'unchanged', level: 'page' })));

    // Two checks a minute: one failure is a ticket (1 in 161, 1 in 120) but only 5 % over 10 minutes;
    // a second failure makes it 10 % and escalates the same episode to a page.
    const t = service(redis, uid, 'ticket-first', { conditions: [PAGE, TICKET] });
    await t.checks(Array.from({ length: 160 }, (_, i): [string, boolean, number] => [`g${i}`, true, i / 2]));
    expect(await t.check('b1', false, 80)).toMatchObject({
      kind: 'transition',
      transition: { to: 'firing', level: 'ticket', previous: 'none', sinceMs: T0 + 80 * MINUTE },
    });
    expect(await t.check('b2', false, 80.1)).toMatchObject({
      kind: 'transition',
      transition: { to: 'firing', level: 'page', previous: 'ticket', sinceMs: T0 + 80 * MINUTE },
    });
  });

  test('buckets no window reaches are dropped', async ({ redis, uid }) => {
    const s = service(redis, uid, 'trim', { conditions: [PAGE, TICKET] });
    await s.checks(Array.from({ length: 600 }, (_, i): [string, boolean, number] => [`g${i}`, true, i]));
    const fields = await redis.hkeys(`${s.keys.base}:data`);
    const minuteBuckets = fields.filter((f) => f.startsWith('60000:'));
    const hourBuckets = fields.filter((f) => f.startsWith('3600000:'));
    // Minute buckets reach the 1-hour window (60) plus the lateness (2) plus one; hour buckets 7 + 1 + 1.
    expect(minuteBuckets.length).toBeLessThanOrEqual(63);
    expect(hourBuckets.length).toBeLessThanOrEqual(9);
  });

  test('windows are whole minutes, or whole hours above 6 hours', () => {
    expect(burnRateWindow(5 * MINUTE)).toEqual({ ms: 5 * MINUTE, bucketMs: MINUTE });
    expect(burnRateWindow(72 * HOUR)).toEqual({ ms: 72 * HOUR, bucketMs: HOUR });
    expect(() => burnRateWindow(90_500)).toThrow(/whole number of minutes/);
    expect(() => burnRateWindow(6 * HOUR + 30 * MINUTE)).toThrow(/whole number of hours/);
    expect(burnRateWindows([PAGE, TICKET, { ...PAGE, longMs: HOUR }]).map((w) => w.ms)).toEqual([
      10 * MINUTE,
      2 * MINUTE,
      7 * HOUR,
      HOUR,
    ]);
  });
});
