import type { NotificationRecord } from '@vigil/incidents';
import { vi } from 'vitest';
import type { SlackCall } from '../../../test/fixtures/slack-standin';
import { sampleIncident, sampleOutage } from './testing/incident-samples';
import { describe, expect, test } from './testing/notifier-harness';

const WAIT = { timeout: 15_000, interval: 20 };

describe('notifier when Slack fails', () => {
  test('429 with Retry-After: waits as long as asked, without spending attempts, then posts once', async ({
    slack,
    startNotifier,
  }) => {
    // A short channel interval, so the wait measured is Slack's Retry-After and not our own limit.
    const harness = await startNotifier({ overrides: { channelIntervalMs: 20 } });
    const incident = harness.store.putIncident(sampleIncident());
    const opened = harness.store.addNotification(incident.id, 'opened');
    slack.failNext(2, { status: 429, retryAfterSeconds: 1 });

    await harness.notifier.enqueue([opened]);
    await vi.waitFor(() => expect(harness.store.notification(opened.id).status).toBe('sent'), WAIT);

    const posts = slack.callsTo('chat.postMessage');
    expect(posts.map((call) => call.status)).toEqual([429, 429, 200]);
    const [first, second, third] = posts.map((call) => call.elapsedAt);
    expect(second! - first!).toBeGreaterThanOrEqual(1000);
    expect(third! - second!).toBeGreaterThanOrEqual(1000);
    expect(harness.store.notification(opened.id).attempts).toBe(0);
  });

  test('HTTP 500 for a while: every message is delivered once, in order per incident', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier({ overrides: { channelIntervalMs: 20 } });
    const { store, notifier } = harness;
    const incidents = [
      sampleIncident({ seq: 101 }),
      sampleIncident({ seq: 102, entity: { type: 'user', id: 'bob@example.com' } }),
      sampleOutage({ seq: 103 }),
    ].map((incident) => store.putIncident(incident));
    const sendAll = async (records: NotificationRecord[]) => {
      await notifier.enqueue(records);
      await vi.waitFor(
        () => expect(records.map((r) => store.notification(r.id).status)).toEqual(records.map(() => 'sent')),
        WAIT,
      );
    };
    await sendAll(incidents.map((incident) => store.addNotification(incident.id, 'opened')));

    // Slack fails while the updates go out: attempts at ~0, 100, 300, 700 ms fail, the next comes
    // after 1200 ms at the earliest. The resolutions arrive at 1050 ms, when Slack is back: fresh
    // jobs that would overtake the updates if nothing kept each incident in line.
    slack.failFor(1000, { status: 500 });
    for (const incident of incidents) store.updateIncident(incident.id, { detectionCount: 5 });
    const updates = incidents.map((incident) => store.addNotification(incident.id, 'updated'));
    await notifier.enqueue(updates);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    for (const incident of incidents) {
      const downtimeSeconds = incident.category === 'availability' ? 1800 : null;
      store.updateIncident(incident.id, {
        status: 'resolved',
        resolvedAt: '2026-01-01T10:30:00.000Z',
        downtimeSeconds,
      });
    }
    await sendAll([
      ...updates,
      ...incidents.map((incident) => store.addNotification(incident.id, 'resolved')),
    ]);

    expect(slack.calls.filter((call) => call.status === 500).length).toBeGreaterThan(3);
    const delivered = slack.calls.filter((call) => call.ok);
    for (const incident of incidents) {
      const post = delivered.find(
        (call) =>
          call.method === 'chat.postMessage' && String(call.args.text).includes(`INC-${incident.seq}:`),
      );
      const ts = post?.response.ts;
      const thread = delivered.filter(
        (call) => call === post || call.args.ts === ts || call.args.thread_ts === ts,
      );
      expect(thread.map(describeCall)).toEqual([
        'post',
        'update',
        'reply 4 more detections (5 in all), last at 10:00 UTC.',
        'update',
        expect.stringMatching(/^reply Resolved (after 30 m of downtime|30 m after)/),
      ]);
    }
    expect(delivered).toHaveLength(incidents.length * 5);
  });

  test('channel_not_found: dead at once, and the fallback channel is told', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const incident = harness.store.putIncident(sampleIncident());
    const opened = harness.store.addNotification(incident.id, 'opened');
    slack.rejectChannel('#sec-identity');

    await harness.notifier.enqueue([opened]);
    await vi.waitFor(
      () => expect(slack.callsTo('chat.postMessage').filter((call) => call.ok)).toHaveLength(1),
      WAIT,
    );

    const record = harness.store.notification(opened.id);
    expect(record.status).toBe('dead');
    expect(record.failures).toEqual(['post to #sec-identity: channel_not_found']);
    const posts = slack.callsTo('chat.postMessage');
    expect(posts.filter((call) => call.args.channel === '#sec-identity')).toHaveLength(1);
    const alert = posts.find((call) => call.ok);
    expect(alert?.args.channel).toBe('#soc');
    expect(alert?.args.text).toMatch(
      /could not deliver the \*opened\* notification for INC-42 \(SEV2, .*\) to #sec-identity: post to #sec-identity: channel_not_found/,
    );
  });

  test('a dead notification whose alert cannot be posted either is logged', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier();
    const incident = harness.store.putIncident(sampleIncident());
    const opened = harness.store.addNotification(incident.id, 'opened');
    slack.rejectChannel('#sec-identity', 'not_in_channel');
    slack.rejectChannel('#soc', 'not_in_channel');

    await harness.notifier.enqueue([opened]);
    await vi.waitFor(
      () =>
        expect(harness.logger.entries.map((entry) => entry.msg)).toContain(
          'could not report the dead notification to Slack either',
        ),
      WAIT,
    );
    expect(harness.store.notification(opened.id).status).toBe('dead');
    expect(slack.callsTo('chat.postMessage').map((call) => call.error)).toEqual([
      'not_in_channel',
      'not_in_channel',
    ]);
  });

  test('retries run out: the notification is dead after its last attempt, and reported', async ({
    slack,
    startNotifier,
  }) => {
    const harness = await startNotifier({
      overrides: { retry: { attempts: 3, backoffMs: 50 }, channelIntervalMs: 20 },
    });
    const incident = harness.store.putIncident(sampleIncident());
    const opened = harness.store.addNotification(incident.id, 'opened');
    slack.failFor(60_000, { status: 503 });

    await harness.notifier.enqueue([opened]);
    await vi.waitFor(() => expect(harness.store.notification(opened.id).status).toBe('dead'), WAIT);

    expect(harness.store.notification(opened.id).failures).toEqual([
      'post to #sec-identity: HTTP 503',
      'post to #sec-identity: HTTP 503',
      'post to #sec-identity: HTTP 503',
    ]);
    await vi.waitFor(
      () =>
        expect(harness.logger.entries.map((entry) => entry.msg)).toContain(
          'could not report the dead notification to Slack either',
        ),
      WAIT,
    );
  });
});

function describeCall(call: SlackCall): string {
  if (call.method === 'chat.update') return 'update';
  return call.args.thread_ts ? `reply ${String(call.args.text)}` : 'post';
}
