import { ManualClock } from '@vigil/runtime';
import type { Redis } from 'ioredis';
import { describe, expect, test } from '../../../test/fixtures/services';
import { RedisBatch } from './redis-batch';
import { SEQUENCE_SCRIPT, SequenceItem, sequenceKey, sequenceStep, type SequenceResult } from './sequence';
import { SequenceSubjects } from './sequence-subjects';
import { position } from './test-support';

const MINUTE = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
type Step = ['begin' | 'end' | 'observe', string, string, number];

/** Runs steps [op, subject, event id, minute] as one batch (one script call) on real Redis. */
function sequence(redis: Redis, uid: string, subjects?: SequenceSubjects) {
  const clock = new ManualClock(T0 + 60 * MINUTE);
  const key = sequenceKey(`${uid}:`, 'test.sequence');
  let offset = 0;
  const run = async (steps: Step[]): Promise<SequenceResult[]> => {
    const batch = new RedisBatch(redis, [SEQUENCE_SCRIPT]);
    const results = steps.map(([op, subject, eventId, minute]) =>
      sequenceStep(batch, {
        key,
        groupKey: 'g',
        op,
        subject,
        eventId,
        eventTimeMs: T0 + minute * MINUTE,
        position: position(offset++),
        nowMs: clock.now(),
        ...(subjects ? { subjects } : {}),
      }),
    );
    expect(batch.size).toBe(steps.length > 0 ? 1 : 0);
    await batch.flush();
    return Promise.all(results);
  };
  return { clock, key, run };
}

const kinds = (results: SequenceResult[]) => results.map((r) => r.kind);

describe('sequence (Redis)', () => {
  test('an observation after a begin fires once per episode, with both events as evidence', async ({
    redis,
    uid,
  }) => {
    const s = sequence(redis, uid);
    const results = await s.run([
      ['observe', 'alice', 'o0', 0],
      ['begin', 'alice', 'b1', 1],
      ['observe', 'bob', 'o2', 2],
      ['observe', 'alice', 'o3', 3],
      ['observe', 'alice', 'o4', 4],
    ]);
    expect(kinds(results)).toEqual(['none', 'begun', 'none', 'fired', 'none']);
    expect(results[3]).toMatchObject({
      kind: 'fired',
      replayed: false,
      match: {
        triggerEventId: 'o3',
        triggerTimeMs: T0 + 3 * MINUTE,
        begunAtMs: T0 + MINUTE,
        detectedAtMs: s.clock.now(),
      },
    });
    const fired = results[3];
    if (fired?.kind !== 'fired') throw new Error('unreachable');
    expect(fired.match.evidence.map((e) => [e.eventId, e.offset])).toEqual([
      ['b1', '1'],
      ['o3', '3'],
    ]);
  });

  test('event time decides: an observation before the begin, or after an end, does not fire', async ({
    redis,
    uid,
  }) => {
    const s = sequence(redis, uid);
    expect(
      kinds(
        await s.run([
          ['begin', 'carol', 'b5', 5],
          ['observe', 'carol', 'o4', 4],
          ['observe', 'carol', 'o5', 5],
          ['end', 'carol', 'e6', 6],
          ['observe', 'carol', 'o7', 7],
          ['begin', 'carol', 'b2', 2],
          ['end', 'carol', 'e3', 3],
        ]),
      ),
    ).toEqual(['begun', 'none', 'none', 'ended', 'none', 'none', 'none']);
    // An observation between the begin and a later end still counts: the user was suspended then.
    expect(kinds(await s.run([['observe', 'carol', 'o5b', 5.5]]))).toEqual(['fired']);
  });

  test('redelivered, the firing repeats exactly, also after later episodes fired', async ({ redis, uid }) => {
    const s = sequence(redis, uid);
    const steps: Step[] = [
      ['begin', 'dave', 'b0', 0],
      ['observe', 'dave', 'o1', 1],
      ['end', 'dave', 'e2', 2],
      ['begin', 'dave', 'b3', 3],
      ['observe', 'dave', 'o4', 4],
    ];
    const first = await s.run(steps);
    expect(kinds(first)).toEqual(['begun', 'fired', 'ended', 'begun', 'fired']);
    s.clock.advance(MINUTE);
    const again = await s.run(steps);
    expect(kinds(again)).toEqual(['none', 'fired', 'none', 'none', 'fired']);
    expect(again[1]).toEqual({ ...first[1], replayed: true });
    expect(again[4]).toEqual({ ...first[4], replayed: true });
  });

  test('subjects never begun leave no state behind', async ({ redis, uid }) => {
    const s = sequence(redis, uid);
    await s.run(Array.from({ length: 50 }, (_, i): Step => ['observe', `user${i}`, `o${i}`, i]));
    await s.run([['end', 'nobody', 'e0', 0]]);
    expect(await redis.hlen(s.key)).toBe(0);
  });
});

describe('sequence with a detector index of its subjects (Redis)', () => {
  test('observations of subjects no one began are left out of the call; the index stays current', async ({ redis, uid }) => {
    const index = new SequenceSubjects();
    const s = sequence(redis, uid, index);
    expect(kinds(await s.run([['begin', 'alice', 'b1', 1]]))).toEqual(['begun']);
    // The first call had no index yet: it sent everything and got the state's fields (alice and the epoch) back.
    expect(kinds(await s.run([['observe', 'nobody', 'o1', 1]]))).toEqual(['none']);
    const version = index.version;
    expect(version).toMatch(/^\d+\.\d+\/2$/);
    const observations: Step[] = Array.from({ length: 50 }, (_, i) => ['observe', `user${i}`, `o${i}`, 2]);
    expect(index.select(observations.map(([, subject], i) => new SequenceItem('o', subject, `o${i}`, T0, position(i))))).toEqual([]);
    expect(kinds(await s.run([...observations, ['observe', 'alice', 'o-alice', 3]]))).toEqual([
      ...observations.map(() => 'none'),
      'fired',
    ]);
    expect(index.version).toBe(version);
  });

  test('a begin and a later observation of a new subject in one batch both go, and it fires', async ({ redis, uid }) => {
    const index = new SequenceSubjects();
    const s = sequence(redis, uid, index);
    expect(kinds(await s.run([['observe', 'bob', 'o0', 0]]))).toEqual(['none']);
    expect(index.version).toBe('/0');
    const item = (op: 'b' | 'o', subject: string) => new SequenceItem(op, subject, 'x', T0, position(0));
    expect(index.select([item('o', 'carol'), item('b', 'carol'), item('o', 'carol'), item('o', 'dan')])).toEqual([1, 2]);
    expect(kinds(await s.run([['observe', 'carol', 'o1', 1], ['begin', 'carol', 'b2', 2], ['observe', 'carol', 'o3', 3]]))).toEqual([
      'none',
      'begun',
      'fired',
    ]);
  });

  test('another detector began a subject behind this index: the call is refused as stale, sent again whole, and fires', async ({
    redis,
    uid,
  }) => {
    const mine = new SequenceSubjects();
    const theirs = new SequenceSubjects();
    const a = sequence(redis, uid, mine);
    const b = sequence(redis, uid, theirs);
    expect(kinds(await a.run([['observe', 'dave', 'o0', 0]]))).toEqual(['none']);
    expect(mine.version).toBe('/0');
    expect(kinds(await b.run([['begin', 'dave', 'b1', 1]]))).toEqual(['begun']);
    // This index still says no one was begun, so it would leave dave's observation out; the script's check catches it.
    expect(mine.version).toBe('/0');
    const results = await a.run([['observe', 'dave', 'o2', 2]]);
    expect(kinds(results)).toEqual(['fired']);
    expect(results[0]).toMatchObject({ match: { triggerEventId: 'o2', begunAtMs: T0 + MINUTE } });
    expect(mine.version).toMatch(/\/2$/);
    // The firing event redelivered to the other detector gets its record back.
    expect(await b.run([['observe', 'dave', 'o2', 2]])).toEqual([{ ...results[0], replayed: true }]);
  });

  test('Redis lost the state and another detector filled it to the same size: the new epoch makes the index reload', async ({
    redis,
    uid,
  }) => {
    const mine = new SequenceSubjects();
    const a = sequence(redis, uid, mine);
    expect(kinds(await a.run([['begin', 'erin', 'b1', 1]]))).toEqual(['begun']);
    await a.run([['observe', 'nobody', 'o1', 1]]);
    const before = mine.version;
    expect(before).toMatch(/\/2$/);
    await redis.del(a.key);
    // Another detector (its own index) begins someone else: as many fields as before, another epoch.
    const b = sequence(redis, uid, new SequenceSubjects());
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect(kinds(await b.run([['begin', 'frank', 'b2', 2]]))).toEqual(['begun']);
    expect(await redis.hlen(a.key)).toBe(2);
    expect(kinds(await a.run([['observe', 'frank', 'o3', 3]]))).toEqual(['fired']);
    expect(mine.version).not.toBe(before);
  });
});
