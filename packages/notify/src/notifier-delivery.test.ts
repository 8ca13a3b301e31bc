import { vi } from 'vitest';
import { channelId } from '../../../test/fixtures/slack-standin';
import { sampleIncident, sampleOutage } from './testing/incident-samples';
import { describe, expect, test, type NotifierHarness } from './testing/notifier-harness';

const WAIT = { timeout: 10_000, interval: 20 };

async function waitUntilSent(harness: NotifierHarness, notificationId: string): Promise<void> {
  await vi.waitFor(() => expect(harness.store.notification(notificationId).status).toBe('sent'), WAIT);
}

describe('notifier delivers to Slack', () => {
  test('opened: one postMessage to the owner channel with the INC number and severity', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const incident = harness.store.putIncident(sampleIncident());
    const opened = harness.store.addNotification(incident.id, 'opened');

    await harness.notifier.enqueue([opened]);
    await waitUntilSent(harness, opened.id);

    const posts = slack.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args.channel).toBe('#sec-identity');
    expect(posts[0]?.args.text).toMatch(/SEV2 INC-42: Brute force against alice@example\.com/);
    expect(JSON.stringify(posts[0]?.args.blocks)).toContain('<@U0SECONC1>');
    expect(harness.store.incidents.get(incident.id)?.slack).toEqual({
      channel: channelId('#sec-identity'),
      ts: posts[0]?.response.ts,
    });
    expect(harness.store.deliveries).toEqual([
      {
        notificationId: opened.id,
        messages: [
          expect.objectContaining({ method: 'chat.postMessage', channel: channelId('#sec-identity') }),
        ],
      },
    ]);
  });

  test('updated: the message is updated in place and the thread says what changed', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const incident = harness.store.putIncident(sampleIncident({ detectionCount: 2 }));
    const opened = harness.store.addNotification(incident.id, 'opened');
    await harness.notifier.enqueue([opened]);
    await waitUntilSent(harness, opened.id);
    const ts = slack.callsTo('chat.postMessage')[0]?.response.ts;

    harness.store.updateIncident(incident.id, { detectionCount: 14, lastSeenAt: '2026-01-01T10:12:00.000Z' });
    const updated = harness.store.addNotification(incident.id, 'updated');
    await harness.notifier.enqueue([updated]);
    await waitUntilSent(harness, updated.id);

    const updates = slack.callsTo('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args).toMatchObject({ channel: channelId('#sec-identity'), ts });
    expect(updates[0]?.args.text).toContain('INC-42');
    const replies = slack.callsTo('chat.postMessage').slice(1);
    expect(replies.map((call) => [call.args.thread_ts, call.args.text])).toEqual([
      [ts, '12 more detections (14 in all), last at 10:12 UTC.'],
    ]);
  });

  test('resolved: the message shows it resolved and the thread gives the downtime', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const incident = harness.store.putIncident(sampleOutage());
    const opened = harness.store.addNotification(incident.id, 'opened');
    await harness.notifier.enqueue([opened]);
    await waitUntilSent(harness, opened.id);

    harness.store.updateIncident(incident.id, {
      status: 'resolved',
      resolvedAt: '2026-01-01T10:12:00.000Z',
      downtimeSeconds: 720,
    });
    const resolved = harness.store.addNotification(incident.id, 'resolved');
    await harness.notifier.enqueue([resolved]);
    await waitUntilSent(harness, resolved.id);

    const [post, reply] = slack.callsTo('chat.postMessage');
    expect(post?.args.channel).toBe('#sre');
    const update = slack.callsTo('chat.update')[0];
    expect(update?.args).toMatchObject({ ts: post?.response.ts });
    expect(update?.args.text).toContain('[Resolved]');
    expect(JSON.stringify(update?.args.blocks)).toContain('*Downtime*\\n12 m');
    expect(reply?.args).toMatchObject({
      thread_ts: post?.response.ts,
      text: 'Resolved after 12 m of downtime.',
    });
  });

  test('the same notification enqueued twice, before and after delivery, is posted once', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const incident = harness.store.putIncident(sampleIncident());
    const opened = harness.store.addNotification(incident.id, 'opened');

    await Promise.all([harness.notifier.enqueue([opened]), harness.notifier.enqueue([opened])]);
    await waitUntilSent(harness, opened.id);
    await harness.notifier.enqueue([opened]);
    // Long enough for a second job, had there been one, to reach the stand-in.
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  test('a database failure after the post does not post twice', async ({ slack, startNotifier }) => {
    const harness = await startNotifier();
    const incident = harness.store.putIncident(sampleIncident());
    const opened = harness.store.addNotification(incident.id, 'opened');
    harness.store.failNextDeliveryRecords(2);

    await harness.notifier.enqueue([opened]);
    await waitUntilSent(harness, opened.id);

    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(harness.store.notification(opened.id).attempts).toBe(2);
    expect(harness.store.incidents.get(incident.id)?.slack?.ts).toBe(
      slack.callsTo('chat.postMessage')[0]?.response.ts,
    );
  });

  test('a notification only in the outbox is found by the sweeper and delivered', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier({ overrides: { sweeper: { intervalMs: 100, olderThanMs: 0 } } });
    const incident = harness.store.putIncident(sampleIncident());
    // Committed, but the process died before enqueueing it.
    const opened = harness.store.addNotification(incident.id, 'opened');

    await waitUntilSent(harness, opened.id);
    expect(slack.callsTo('chat.postMessage').map((call) => call.args.channel)).toEqual(['#sec-identity']);
  });
});

describe('notifier without a Slack token', () => {
  test('writes a clearly marked log line and records the delivery with method log', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier({ slack: undefined });
    const incident = harness.store.putIncident(sampleIncident());
    const opened = harness.store.addNotification(incident.id, 'opened');
    await harness.notifier.enqueue([opened]);
    await waitUntilSent(harness, opened.id);

    harness.store.updateIncident(incident.id, { status: 'resolved', resolvedAt: '2026-01-01T11:00:00.000Z' });
    const resolved = harness.store.addNotification(incident.id, 'resolved');
    await harness.notifier.enqueue([resolved]);
    await waitUntilSent(harness, resolved.id);

    const lines = harness.logger.entries.filter(
      (entry) => entry.msg === 'SLACK DISABLED: notification written to log',
    );
    expect(lines.map((line) => line.fields.slack)).toEqual(['disabled', 'disabled']);
    expect(lines[0]?.fields.wouldPost).toMatchObject({
      channel: '#sec-identity',
      text: expect.stringContaining('SEV2 INC-42'),
    });
    expect(lines[1]?.fields.wouldPost).toMatchObject({ followUp: 'Resolved 1 h after it was detected.' });
    expect(harness.store.deliveries.map((d) => d.messages.map((m) => [m.method, m.channel]))).toEqual([
      [['log', '#sec-identity']],
      [['log', '#sec-identity']],
    ]);
    expect(slack.calls).toHaveLength(0);
  });
});
