import { vi } from 'vitest';
import { createNotifier } from './notifier';
import { sampleIncident } from './testing/incident-samples';
import { MemoryNotificationStore } from './testing/memory-notification-store';
import {
  describe,
  expect,
  recordingLogger,
  SLACK_TOKEN,
  test,
  TEST_OWNERS,
} from './testing/notifier-harness';

describe('notifier lifecycle', () => {
  test('stop is idempotent and leaves a borrowed Redis client open', async ({ redis, uid, slack }) => {
    const notifier = createNotifier({
      connection: redis,
      queueName: `notify-${uid}`,
      store: new MemoryNotificationStore(),
      owners: TEST_OWNERS,
      slack: { token: SLACK_TOKEN, apiUrl: slack.url },
      logger: recordingLogger(),
    });
    await notifier.start();
    await Promise.all([notifier.stop(), notifier.stop()]);
    await notifier.stop();
    expect(await redis.ping()).toBe('PONG');
    await expect(notifier.start()).rejects.toThrow(/stopped/);
  });

  test('with Redis unreachable, enqueue fails instead of hanging, and stop still returns', async () => {
    const store = new MemoryNotificationStore();
    const notifier = createNotifier({
      connection: { url: 'redis://127.0.0.1:1' },
      queueName: 'notify-unreachable',
      store,
      owners: TEST_OWNERS,
      logger: recordingLogger(),
      retry: { enqueueTimeoutMs: 1_000 },
      sweeper: false,
    });
    const incident = store.putIncident(sampleIncident());
    const opened = store.addNotification(incident.id, 'opened');

    await expect(notifier.enqueue([opened])).rejects.toThrow();
    await notifier.stop();
    expect(store.notification(opened.id).status).toBe('pending');
  });
});

describe('outbox sweeper', () => {
  test('re-drives a job that failed for good while the store still had it pending', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier({
      overrides: { retry: { attempts: 1 }, sweeper: { intervalMs: 200, olderThanMs: 0 } },
    });
    const incident = harness.store.putIncident(sampleIncident());
    const opened = harness.store.addNotification(incident.id, 'opened');
    slack.rejectChannel('#sec-identity');
    // The database is down when the notification dies, so the dead state cannot be written then.
    harness.store.failNextFailureRecords(1);

    await harness.notifier.enqueue([opened]);
    await vi.waitFor(() => expect(harness.store.notification(opened.id).status).toBe('dead'), {
      timeout: 10_000,
      interval: 20,
    });

    const toSecurity = slack
      .callsTo('chat.postMessage')
      .filter((call) => call.args.channel === '#sec-identity');
    expect(toSecurity.length).toBeGreaterThanOrEqual(2);
    await vi.waitFor(
      () =>
        expect(slack.callsTo('chat.postMessage').filter((call) => call.args.channel === '#soc')).toHaveLength(
          1,
        ),
      {
        timeout: 5_000,
        interval: 20,
      },
    );
  });
});
