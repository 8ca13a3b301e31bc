import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock, RetryableError } from '@vigil/runtime';
import { silentLogger } from '@vigil/telemetry';
import { Redis } from 'ioredis';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { createDetector } from '../detector';
import { DAY, FIXTURE_EPOCH_MS, MINUTE, signIn } from '../fixture-events';
import { bruteForceRule } from '../identity/brute-force.rule';
import { asMessages } from '../test-support';
import { PartitionWindows } from './partition-windows';

const failure = (id: string, minute: number, user = 'alice@example.com') =>
  signIn({ id, user, at: minute * MINUTE, outcome: 'failure' });

/** A detector keeping brute force's windows in process, as a fresh process would start it. */
function detector(redis: Redis, keyPrefix: string, clock = new ManualClock(FIXTURE_EPOCH_MS + 60 * MINUTE)) {
  return createDetector({
    redis,
    keyPrefix,
    rules: [bruteForceRule],
    clock,
    logger: silentLogger,
    localWindows: true,
  });
}

/** Until the client answers again. */
async function back(client: Redis): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (
      await client.ping().then(
        () => true,
        () => false,
      )
    )
      return;
    await sleep(20);
  }
  throw new Error('Redis did not come back');
}

const ids = (result: { detections: Array<{ id: string }> }) => result.detections.map((d) => d.id);

describe('windows in process (brute force)', () => {
  test('a restarted detector reads the window back: the fifth failure crosses, the sixth goes on the burst', async ({
    redis,
    uid,
  }) => {
    const first = detector(redis, `${uid}:`);
    expect(ids(await first.processBatch(asMessages([1, 2, 3].map((m) => failure(`f${m}`, m)))))).toEqual([]);
    // The process is gone; a new one (nothing in memory) takes the partition.
    const second = detector(redis, `${uid}:`);
    const crossing = await second.processBatch(
      asMessages([failure('f4', 4), failure('f5', 5)], 'vigil.events', 3),
    );
    expect(ids(crossing)).toEqual([
      'identity.brute-force:identity.brute-force:user:alice@example.com:okta:f5',
    ]);
    expect(crossing.detections[0]?.evidence.map((e) => e.eventId)).toEqual(
      ['f1', 'f2', 'f3', 'f4', 'f5'].map((id) => `okta:${id}`),
    );
    const third = detector(redis, `${uid}:`);
    const going = await third.processBatch(asMessages([failure('f6', 6)], 'vigil.events', 5));
    expect(ids(going)).toEqual([
      'identity.brute-force:identity.brute-force:user:alice@example.com:okta:f6:burst',
    ]);
    // A redelivery of the crossing to yet another process repeats it exactly.
    const fourth = detector(redis, `${uid}:`);
    const again = await fourth.processBatch(
      asMessages([failure('f4', 4), failure('f5', 5)], 'vigil.events', 3),
    );
    expect(again.detections).toEqual(crossing.detections);
  });

  test('the old owner of a partition, behind on its window, is refused its write and reads again', async ({
    redis,
    uid,
  }) => {
    const old = detector(redis, `${uid}:`);
    await old.processBatch(asMessages([failure('f1', 1), failure('f2', 2)]));
    // The partition moved: the new owner counts three more (and writes), then it moved back.
    const other = detector(redis, `${uid}:`);
    expect(
      ids(
        await other.processBatch(
          asMessages(
            [3, 4].map((m) => failure(`f${m}`, m)),
            'vigil.events',
            2,
          ),
        ),
      ),
    ).toEqual([]);
    // The old owner still holds two: its answer is wrong, and its write is refused, so the batch fails...
    const stale = old.processBatch(asMessages([failure('f5', 5)], 'vigil.events', 4));
    await expect(stale).rejects.toBeInstanceOf(RetryableError);
    // ...and once redone, it counts on the window as written: five.
    expect(ids(await old.processBatch(asMessages([failure('f5', 5)], 'vigil.events', 4)))).toEqual([
      'identity.brute-force:identity.brute-force:user:alice@example.com:okta:f5',
    ]);
  });

  test('two batches in flight at once write their own scopes: one refused leaves the other written', async ({
    redis,
    uid,
  }) => {
    const d = detector(redis, `${uid}:`);
    await d.processBatch(asMessages([failure('a1', 1), failure('b1', 1, 'bob@example.com')]));
    // Alice's partition was taken over and written meanwhile; bob's was not.
    const other = detector(redis, `${uid}:`);
    await other.processBatch(asMessages([failure('a2', 2)], 'vigil.events', 2));
    const [alice, bob] = await Promise.allSettled([
      d.processBatch(asMessages([failure('a3', 3)], 'vigil.events', 3)),
      d.processBatch(
        asMessages(
          [2, 3, 4, 5].map((m) => failure(`b${m}`, m, 'bob@example.com')),
          'vigil.events',
          10,
        ),
      ),
    ]);
    expect(alice.status).toBe('rejected');
    expect(bob.status === 'fulfilled' && ids(bob.value)).toEqual([
      'identity.brute-force:identity.brute-force:user:bob@example.com:okta:b5',
    ]);
    // Both as written: bob's burst goes on in a fresh process; alice's redone batch counts three.
    const fresh = detector(redis, `${uid}:`);
    expect(
      ids(await fresh.processBatch(asMessages([failure('b6', 6, 'bob@example.com')], 'vigil.events', 20))),
    ).toEqual(['identity.brute-force:identity.brute-force:user:bob@example.com:okta:b6:burst']);
    const redone = await d.processBatch(asMessages([failure('a3', 3)], 'vigil.events', 3));
    expect(ids(redone)).toEqual([]);
    expect(
      await redis.hget(`${uid}:rules:{identity.brute-force|user:alice@example.com}:local`, 'w:okta:a3'),
    ).toMatch(/^\d+\|/);
  });

  test('a scope with a released marker, written by one batch while the next of its partition flushes: neither is refused', async ({
    redis,
    uid,
  }) => {
    const windows = new PartitionWindows(redis, { clock: new ManualClock() });
    const [alice, bob] = [`${uid}:alice`, `${uid}:bob`];
    const ttl = { stateMs: DAY, replayMs: DAY };
    const call = (id: string, minute: number) =>
      ({
        eventId: id,
        eventTimeMs: FIXTURE_EPOCH_MS + minute * MINUTE,
        nowMs: FIXTURE_EPOCH_MS + 60 * MINUTE,
        windowMs: 10 * MINUTE,
        latenessMs: 5 * MINUTE,
        threshold: 5,
        maxEvidence: 50,
        position: `{"p":${minute}}`,
        countedKept: 2_000,
      }) as const;
    for (const m of [1, 2, 3, 4, 5, 6]) await windows.countInWindow(alice, call(`f${m}`, m), ttl);
    await windows.flush(new Set([alice]));
    // The sixth's continuation is published: its marker is released. Alice's partition's next batch
    // counts the seventh; bob's batch, in another partition, flushes first and takes alice's released
    // marker along; alice's batch flushes while that write is under way.
    windows.dropReplay(alice, 'f6');
    expect((await windows.countInWindow(alice, call('f7', 7), ttl))[0]).toBe('counted');
    await windows.countInWindow(bob, call('b1', 1), ttl);
    const bobs = windows.flush(new Set([bob]));
    const alices = windows.flush(new Set([alice]));
    await expect(Promise.all([bobs, alices])).resolves.toEqual([undefined, undefined]);
    expect(await redis.hget(alice, 'r:f6')).toBeNull();
    expect(await redis.hget(alice, 'r:f7')).toContain('"burst"');
  });

  test('when Redis cannot take the write, the batch fails and nothing of it is kept in memory', async ({
    redis,
    redisUrl,
    uid,
  }) => {
    const client = new Redis(redisUrl, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    await client.connect();
    try {
      const d = detector(client, `${uid}:`);
      await d.processBatch(asMessages([1, 2, 3, 4].map((m) => failure(`f${m}`, m))));
      // The fifth's write never lands: the connection drops (and comes back by itself) as the batch runs.
      client.disconnect(true);
      await expect(d.processBatch(asMessages([failure('f5', 5)], 'vigil.events', 4))).rejects.toBeInstanceOf(
        RetryableError,
      );
      await back(client);
      // Redone on the same detector: read back from what was written, it crosses now, exactly once.
      const redone = await d.processBatch(asMessages([failure('f5', 5)], 'vigil.events', 4));
      expect(ids(redone)).toEqual([
        'identity.brute-force:identity.brute-force:user:alice@example.com:okta:f5',
      ]);
      const fresh = detector(redis, `${uid}:`);
      const after = await fresh.processBatch(asMessages([failure('f6', 6)], 'vigil.events', 5));
      expect(ids(after)).toEqual([
        'identity.brute-force:identity.brute-force:user:alice@example.com:okta:f6:burst',
      ]);
    } finally {
      client.disconnect();
    }
  });

  test('idle windows expire with their hash; a crossing keeps it for as long as its record is kept', async ({
    redis,
    uid,
  }) => {
    const d = detector(redis, `${uid}:`);
    await d.processBatch(asMessages([failure('g1', 1, 'bob@example.com')]));
    const bob = `${uid}:rules:{identity.brute-force|user:bob@example.com}:local`;
    const quiet = await redis.pttl(bob);
    expect(quiet).toBeGreaterThan(6 * 60 * MINUTE);
    expect(quiet).toBeLessThanOrEqual(6 * 60 * MINUTE + 15 * MINUTE);
    await d.processBatch(
      asMessages(
        [1, 2, 3, 4, 5].map((m) => failure(`f${m}`, m)),
        'vigil.events',
        1,
      ),
    );
    const alice = `${uid}:rules:{identity.brute-force|user:alice@example.com}:local`;
    expect(await redis.pttl(alice)).toBeGreaterThan(6 * 24 * 60 * MINUTE);
    // A process that did not see the crossing writes the scope again: the record's longer life stays.
    const fresh = detector(redis, `${uid}:`);
    await fresh.processBatch(asMessages([failure('f6', 6)], 'vigil.events', 6));
    expect(await redis.hget(alice, 'r:okta:f6')).toContain('"burst"');
    expect(await redis.pttl(alice)).toBeGreaterThan(6 * 24 * 60 * MINUTE);
  });

  test('a window no event touched for a sweep period leaves memory, and is read again when it is needed', async ({
    redis,
    uid,
  }) => {
    const clock = new ManualClock(FIXTURE_EPOCH_MS + 60 * MINUTE);
    const d = detector(redis, `${uid}:`, clock);
    const other = detector(redis, `${uid}:`);
    const of = (user: string) => (id: string, m: number, offset: number) =>
      asMessages([failure(id, m, `${user}@example.com`)], 'vigil.events', offset);
    const [bob, carol] = [of('bob'), of('carol')];
    await d.processBatch(asMessages([1, 2].map((m) => failure(`f${m}`, m))));
    // A sweep period passes; in the next, carol's window is used and bob's too, alice's is not.
    clock.advance(61_000);
    await d.processBatch(carol('c1', 1, 100));
    clock.advance(30_000);
    await d.processBatch(carol('c2', 2, 101));
    clock.advance(31_000);
    await d.processBatch(bob('b1', 1, 200));
    // Meanwhile another detector had alice's and carol's partitions and counted more for both.
    await other.processBatch(
      asMessages(
        [3, 4].map((m) => failure(`f${m}`, m)),
        'vigil.events',
        2,
      ),
    );
    await other.processBatch(carol('c3', 3, 102));
    // Carol's window, in use, stayed in memory: behind now, its write is refused.
    await expect(d.processBatch(carol('c4', 4, 103))).rejects.toBeInstanceOf(RetryableError);
    // Had alice's window stayed in memory, its write would be refused (see the old owner above); read
    // again, it counts on the window as written: the fifth crosses at once.
    const crossing = await d.processBatch(asMessages([failure('f5', 5)], 'vigil.events', 4));
    expect(ids(crossing)).toEqual([
      'identity.brute-force:identity.brute-force:user:alice@example.com:okta:f5',
    ]);
    expect(crossing.detections[0]?.evidence.map((e) => e.eventId)).toEqual(
      ['f1', 'f2', 'f3', 'f4', 'f5'].map((id) => `okta:${id}`),
    );
  });
});
