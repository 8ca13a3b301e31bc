import { vi } from 'vitest';
import { sampleIncident, sampleOutage } from './testing/incident-samples';
import { MemoryNotificationStore } from './testing/memory-notification-store';
import { describe, expect, test, type NotifyFixtures } from './testing/notifier-harness';

type StartNotifier = NotifyFixtures['startNotifier'];

/** Two notifiers sharing one store and Redis, and an identity incident per user (all to #sec-identity). */
async function twoWorkers(startNotifier: StartNotifier, users: string[], firstSeq: number) {
  const store = new MemoryNotificationStore();
  const first = await startNotifier({ overrides: { store, concurrency: 2 } });
  await startNotifier({ overrides: { store, concurrency: 2 } });
  const identity = users.map((user, i) =>
    store.putIncident(
      sampleIncident({ seq: firstSeq + i, entity: { type: 'user', id: `${user}@example.com` } }),
    ),
  );
  return { store, notifier: first.notifier, identity };
}

describe('per-channel rate limit', () => {
  test('two workers space posts to one channel ~1 s apart; another channel is not held up', async ({
    slack,
    startNotifier,
  }) => {
    const { store, notifier, identity } = await twoWorkers(startNotifier, ['a', 'b', 'c'], 200);
    const outage = store.putIncident(sampleOutage());
    const records = [...identity, outage].map((incident) => store.addNotification(incident.id, 'opened'));

    await notifier.enqueue(records);
    await vi.waitFor(
      () => expect(records.map((r) => store.notification(r.id).status)).toEqual(records.map(() => 'sent')),
      {
        timeout: 10_000,
        interval: 20,
      },
    );

    const posts = slack.callsTo('chat.postMessage');
    expect(posts).toHaveLength(4);
    const identityTimes = posts
      .filter((call) => call.args.channel === '#sec-identity')
      .map((call) => call.elapsedAt);
    expect(identityTimes).toHaveLength(3);
    for (let i = 1; i < identityTimes.length; i += 1) {
      // The slot lasts 1000 ms in Redis; a few ms of HTTP on either side is the only slack allowed.
      expect(identityTimes[i]! - identityTimes[i - 1]!).toBeGreaterThanOrEqual(950);
    }
    // Not held up by #sec-identity's spacing: out before that channel's second post, which waits an interval.
    const srePost = posts.find((call) => call.args.channel === '#sre');
    expect(srePost!.elapsedAt).toBeLessThan(identityTimes[1]!);
  });

  test('a post slower than the interval is not overtaken: the next one waits until it is out, then an interval', async ({
    slack,
    startNotifier,
  }) => {
    const { store, notifier, identity } = await twoWorkers(startNotifier, ['g', 'h'], 400);
    const records = identity.map((incident) => store.addNotification(incident.id, 'opened'));
    // The first call Slack sees takes 1.5 s to answer: a slot that lapsed after 1 s let a second worker
    // post while the first post was still in flight.
    slack.delayNext(1, 1_500);
    await notifier.enqueue(records);
    await vi.waitFor(
      () => expect(records.map((r) => store.notification(r.id).status)).toEqual(records.map(() => 'sent')),
      { timeout: 10_000, interval: 20 },
    );
    const times = slack.callsTo('chat.postMessage').map((call) => call.elapsedAt);
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_500 + 950);
  });

  test('an interval of 0 turns the limit off: posts to one channel go out back to back', async ({
    slack,
    startNotifier,
  }) => {
    const store = new MemoryNotificationStore();
    const { notifier } = await startNotifier({ overrides: { store, concurrency: 3, channelIntervalMs: 0 } });
    const incidents = ['d', 'e', 'f'].map((user, i) =>
      store.putIncident(
        sampleIncident({ seq: 300 + i, entity: { type: 'user', id: `${user}@example.com` } }),
      ),
    );
    const records = incidents.map((incident) => store.addNotification(incident.id, 'opened'));
    const enqueuedAt = performance.now();
    await notifier.enqueue(records);
    await vi.waitFor(
      () => expect(records.map((r) => store.notification(r.id).status)).toEqual(records.map(() => 'sent')),
      { timeout: 5_000, interval: 20 },
    );
    const posts = slack.callsTo('chat.postMessage').filter((call) => call.args.channel === '#sec-identity');
    expect(posts.map((call) => call.ok)).toEqual([true, true, true]);
    // With the limit on, the third post could not go out before two intervals (2 s) had passed.
    expect(Math.max(...posts.map((call) => call.elapsedAt)) - enqueuedAt).toBeLessThan(1_800);
  });
});
