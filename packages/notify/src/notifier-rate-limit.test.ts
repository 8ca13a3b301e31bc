import { vi } from 'vitest';
import { sampleIncident, sampleOutage } from './testing/incident-samples';
import { MemoryNotificationStore } from './testing/memory-notification-store';
import { describe, expect, test } from './testing/notifier-harness';

describe('per-channel rate limit', () => {
  test('two workers space posts to one channel ~1 s apart; another channel is not held up', async ({
    slack,
    startNotifier,
  }) => {
    const store = new MemoryNotificationStore();
    const first = await startNotifier({ overrides: { store, concurrency: 2 } });
    await startNotifier({ overrides: { store, concurrency: 2 } });

    const identity = ['a', 'b', 'c'].map((user, i) =>
      store.putIncident(
        sampleIncident({ seq: 200 + i, entity: { type: 'user', id: `${user}@example.com` } }),
      ),
    );
    const outage = store.putIncident(sampleOutage());
    const records = [...identity, outage].map((incident) => store.addNotification(incident.id, 'opened'));

    const enqueuedAt = Date.now();
    await first.notifier.enqueue(records);
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
      .map((call) => call.at);
    expect(identityTimes).toHaveLength(3);
    for (let i = 1; i < identityTimes.length; i += 1) {
      // The slot lasts 1000 ms in Redis; a few ms of HTTP on either side is the only slack allowed.
      expect(identityTimes[i]! - identityTimes[i - 1]!).toBeGreaterThanOrEqual(950);
    }
    const srePost = posts.find((call) => call.args.channel === '#sre');
    expect(srePost!.at - enqueuedAt).toBeLessThan(700);
  });

  test('an interval of 0 turns the limit off: posts to one channel go out back to back', async ({
    slack,
    startNotifier,
  }) => {
    const store = new MemoryNotificationStore();
    const { notifier } = await startNotifier({ overrides: { store, concurrency: 3, channelIntervalMs: 0 } });
    const incidents = ['d', 'e', 'f'].map((user, i) =>
      store.putIncident(sampleIncident({ seq: 300 + i, entity: { type: 'user', id: `${user}@example.com` } })),
    );
    const records = incidents.map((incident) => store.addNotification(incident.id, 'opened'));
    const enqueuedAt = Date.now();
    await notifier.enqueue(records);
    await vi.waitFor(
      () => expect(records.map((r) => store.notification(r.id).status)).toEqual(records.map(() => 'sent')),
      { timeout: 5_000, interval: 20 },
    );
    const posts = slack.callsTo('chat.postMessage').filter((call) => call.args.channel === '#sec-identity');
    expect(posts.map((call) => call.ok)).toEqual([true, true, true]);
    expect(Math.max(...posts.map((call) => call.at)) - enqueuedAt).toBeLessThan(900);
  });
});
