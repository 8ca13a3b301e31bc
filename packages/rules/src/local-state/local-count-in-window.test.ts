import type { Redis } from 'ioredis';
import { describe, expect, test } from '../../../../test/fixtures/services';
import {
  COUNT_IN_WINDOW_SCRIPT,
  countInWindow,
  parseCountInWindowReply,
  type CountInWindowResult,
} from '../count-in-window';
import { encodePosition } from '../evidence';
import { RedisBatch } from '../redis-batch';
import { scopeKeys } from '../state-keys';
import { LocalCountInWindow, type WindowCall } from './local-count-in-window';
import { SortedMembers, compareBytes } from './sorted-members';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 24 * 60 * MINUTE;
const STEP = 15_000;

interface Sent {
  scope: string;
  id: string;
  time: number;
  offset: number;
}

/**
 * The oracle is the Redis script itself: the same random calls go to it and to the port, batch by batch,
 * and every reply must parse to the same result. New events mostly in order, some late (up to twice the
 * lateness plus the window behind), redeliveries of earlier events, and burst markers dropped as the stage
 * drops them once a batch's detections are published.
 */
async function differential(
  redis: Redis,
  uid: string,
  seed: number,
  rounds: number,
  settings: Omit<WindowCall, 'eventId' | 'eventTimeMs' | 'position' | 'nowMs' | 'countedKept'> & {
    countedKept: number;
  },
) {
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const local = new LocalCountInWindow();
  const scopes = ['user:a', 'user:b', 'user:ü東'];
  const sent: Sent[] = [];
  const clock = { newest: T0 };
  const markers: Array<{ scope: string; id: string }> = [];
  let offset = 0;
  let compared = 0;
  const kinds = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    const batch = new RedisBatch(redis, [COUNT_IN_WINDOW_SCRIPT]);
    const pending: Array<{ remote: Promise<CountInWindowResult>; local: CountInWindowResult; what: string }> =
      [];
    const size = 1 + Math.floor(random() * 40);
    for (let i = 0; i < size; i++) {
      const roll = random();
      let event: Sent;
      if (roll < 0.1 && sent.length > 0) {
        event = sent[Math.floor(random() * sent.length)]!; // a redelivery, same time and position
      } else {
        const scope = scopes[Math.floor(random() * scopes.length)]!;
        // Times on a 15 s grid, so that events tie and land exactly on window and trimming bounds.
        const late =
          roll < 0.25
            ? STEP * Math.floor((random() * (2 * settings.latenessMs + settings.windowMs)) / STEP)
            : 0;
        clock.newest += STEP * Math.floor((random() * 2 * settings.windowMs) / settings.threshold / STEP);
        // Ids that tie on time, and ids whose bytes order differently from their UTF-16 units.
        const id =
          random() < 0.05 ? `e\u{1f600}${offset}` : random() < 0.05 ? `e\uff01${offset}` : `e${offset}`;
        event = { scope, id, time: clock.newest - late, offset: offset++ };
        sent.push(event);
      }
      const call: WindowCall = {
        ...settings,
        eventId: event.id,
        eventTimeMs: event.time,
        position: encodePosition(
          { topic: 'vigil.events', partition: 3, offset: String(event.offset) },
          { ip: `198.51.100.${event.offset % 7}` },
        ),
        nowMs: T0 + DAY,
      };
      const keys = scopeKeys(`${uid}:`, 'diff.count', event.scope);
      const remote = countInWindow(batch, {
        keys,
        eventId: call.eventId,
        eventTimeMs: call.eventTimeMs,
        position: { topic: 'vigil.events', partition: 3, offset: String(event.offset) },
        observed: { ip: `198.51.100.${event.offset % 7}` },
        windowMs: call.windowMs,
        latenessMs: call.latenessMs,
        threshold: call.threshold,
        maxEvidence: call.maxEvidence,
        nowMs: call.nowMs,
        stateTtlMs: 30 * DAY,
        replayTtlMs: 30 * DAY,
        countedKept: call.countedKept,
      });
      const wire = local.add(event.scope, call);
      const parsed = parseCountInWindowReply(wire);
      if (parsed.kind === 'counted' && parsed.burst) markers.push({ scope: event.scope, id: event.id });
      pending.push({
        remote,
        local: parsed,
        what: `seed ${seed} round ${round}: ${event.scope} ${event.id} at ${event.time - T0}`,
      });
    }
    await batch.flush();
    for (const p of pending) {
      const remote = await p.remote;
      expect(p.local, p.what).toEqual(remote);
      const kind =
        remote.kind === 'crossed' && remote.replayed
          ? 'replayed'
          : remote.kind === 'counted' && remote.burst
            ? 'burst'
            : remote.kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      compared++;
    }
    // Published: the batch's burst markers go, on both sides.
    if (random() < 0.7) {
      for (const { scope, id } of markers.splice(0)) {
        await redis.unlink(scopeKeys(`${uid}:`, 'diff.count', scope).replayRecord(id));
        local.dropReplay(scope, id);
      }
    }
  }
  return { compared, kinds };
}

describe('count in window, in process', () => {
  test('answers every call as the Redis script does: in order, late, redelivered, bursting, trimmed', async ({
    redis,
    uid,
  }) => {
    const runs = [
      {
        seed: 1,
        windowMs: 10 * MINUTE,
        latenessMs: 5 * MINUTE,
        threshold: 5,
        maxEvidence: 4,
        countedKept: 50,
      },
      {
        seed: 2,
        windowMs: 10 * MINUTE,
        latenessMs: 5 * MINUTE,
        threshold: 3,
        maxEvidence: 50,
        countedKept: 2_000,
      },
      // Lateness longer than the window: bursts older than the current episode.
      {
        seed: 3,
        windowMs: 2 * MINUTE,
        latenessMs: 9 * MINUTE,
        threshold: 4,
        maxEvidence: 3,
        countedKept: 10,
      },
      { seed: 4, windowMs: 8 * MINUTE, latenessMs: 0, threshold: 1, maxEvidence: 2, countedKept: 5 },
    ];
    const seen = new Map<string, number>();
    for (const { seed, ...settings } of runs) {
      const { compared, kinds } = await differential(redis, `${uid}-${seed}`, seed, 60, settings);
      expect(compared).toBeGreaterThan(600);
      for (const [kind, n] of kinds) seen.set(kind, (seen.get(kind) ?? 0) + n);
    }
    // Every kind of reply was compared, many times each.
    for (const kind of ['counted', 'burst', 'crossed', 'replayed', 'duplicate', 'late'])
      expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(20);
  });

  test('a sorted set orders ties by the members bytes, as Redis does', () => {
    const set = new SortedMembers();
    for (const member of ['b', '\uff01', '\u{1f600}', 'a', 'ab']) set.add(5, member);
    set.add(4, 'z');
    expect(set.range(0, 10).map(([m]) => m)).toEqual(['z', 'a', 'ab', 'b', '\uff01', '\u{1f600}']);
    expect(set.reverseRange(5, 5, 2).map(([m]) => m)).toEqual(['\u{1f600}', '\uff01']);
    expect(set.count(4, 4)).toBe(1);
    expect(set.removeBelow(5).map(([m]) => m)).toEqual(['z']);
    set.keepHighest(2);
    expect(set.range(-Infinity, Infinity).map(([m]) => m)).toEqual(['\uff01', '\u{1f600}']);
    expect(compareBytes('\uffff', '\u{10000}')).toBeLessThan(0);
    expect('\uffff' < '\u{10000}').toBe(false);
  });
});
