import { migrate, PgIncidentStore, type NotificationRecord } from '@vigil/incidents';
import { systemClock } from '@vigil/runtime';
import { Detection } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import type { Pool } from 'pg';
import { vi } from 'vitest';
import type { SlackStandin } from '../../../test/fixtures/slack-standin';
import { describe, expect, test, type NotifierHarness } from './testing/notifier-harness';

const WAIT = { timeout: 30_000, interval: 50 };

function detection(n: number, uid: string): Detection {
  const at = new Date(Date.now() - 60_000).toISOString();
  return Detection.parse({
    id: `${uid}-d${n}`,
    ruleId: 'identity.brute-force',
    ruleVersion: 1,
    status: 'firing',
    title: `Brute force against user${n}@example.com`,
    summary: '10 failed logins in 5 minutes',
    criteria: ['CC7.2'],
    category: 'security',
    severity: 'SEV3',
    dedupKey: `${uid}:user${n}`,
    entity: { type: 'user', id: `user${n}@example.com` },
    ownerKey: 'okta',
    firstEventAt: at,
    detectedAt: at,
    evidence: [{ eventId: `okta:${uid}-${n}`, topic: 'events', partition: 0, offset: String(n), time: at }],
    attributes: {},
  });
}

async function registerOn(pool: Pool): Promise<PgIncidentStore> {
  await migrate(pool);
  return new PgIncidentStore({ pool, clock: systemClock, logger: silentLogger });
}

/** Every notification sent, as the register records it. */
async function allSent(store: PgIncidentStore, records: NotificationRecord[]): Promise<void> {
  await vi.waitFor(async () => {
    const states = await Promise.all(
      records.map(async (record) => (await store.loadForDelivery(record.id))?.notification.status),
    );
    expect(states).toEqual(records.map(() => 'sent'));
  }, WAIT);
}

/** What the incident's thread shows, in order. */
async function threadOf(store: PgIncidentStore, slack: SlackStandin, incidentId: string): Promise<string[]> {
  const incident = await store.getIncident(incidentId);
  if (!incident?.slack) throw new Error(`incident ${incidentId} has no Slack message`);
  return slack.replies(incident.slack.channel, incident.slack.ts).map((reply) => String(reply.text));
}

async function openIncidents(
  store: PgIncidentStore,
  harness: NotifierHarness,
  uid: string,
  count: number,
): Promise<string[]> {
  const opened = [];
  for (let n = 0; n < count; n += 1) opened.push(await store.applyDetection(detection(n, uid)));
  const notifications = opened.flatMap((result) => result.notifications);
  await harness.notifier.enqueue(notifications);
  await allSent(store, notifications);
  return opened.map((result) => result.incident?.id ?? '');
}

describe('the Slack thread tells history as it happened (PostgreSQL register)', () => {
  test('acknowledged, then resolved, during a Slack outage: the thread says acknowledged, then resolved', async ({
    uid,
    slack,
    database,
    startNotifier,
  }) => {
    const store = await registerOn(database.pool);
    const harness = await startNotifier({ overrides: { store, channelIntervalMs: 0 } });
    const ids = await openIncidents(store, harness, uid, 10);

    slack.failFor(1_500, { status: 500 });
    const changes: NotificationRecord[] = [];
    for (const id of ids) {
      const acked = await store.transition(id, 'acknowledge', { actor: 'api:ops' });
      await harness.notifier.enqueue(acked.notifications);
      changes.push(...acked.notifications);
    }
    for (const id of ids) {
      const resolved = await store.transition(id, 'resolve', { actor: 'api:lead', rootCause: 'a test' });
      await harness.notifier.enqueue(resolved.notifications);
      changes.push(...resolved.notifications);
    }
    await allSent(store, changes);

    expect(slack.calls.filter((call) => call.status === 500).length).toBeGreaterThan(0);
    for (const id of ids) {
      const thread = await threadOf(store, slack, id);
      expect(thread).toHaveLength(2);
      expect(thread[0]).toMatch(/^Acknowledged by api:ops at \d\d:\d\d UTC: 1 detection in all/);
      expect(thread[1]).toMatch(/^Resolved by api:lead .* after it was detected\. Root cause: a test\.$/);
      // The message itself shows the incident as it is now.
      const incident = await store.getIncident(id);
      expect(String(slack.message(incident!.slack!.channel, incident!.slack!.ts)?.text)).toContain(
        '[Resolved]',
      );
    }
  });

  test('20 comments through the register reach the thread, each with its author, in order', async ({
    uid,
    slack,
    database,
    startNotifier,
  }) => {
    const store = await registerOn(database.pool);
    const harness = await startNotifier({ overrides: { store, channelIntervalMs: 0 } });
    const [id] = await openIncidents(store, harness, uid, 1);
    const comments: NotificationRecord[] = [];
    for (let n = 1; n <= 20; n += 1) {
      const result = await store.transition(id!, 'comment', {
        actor: `api:analyst-${n % 2}`,
        text: `note ${n}`,
      });
      await harness.notifier.enqueue(result.notifications);
      comments.push(...result.notifications);
    }
    await allSent(store, comments);
    expect(await threadOf(store, slack, id!)).toEqual(
      Array.from({ length: 20 }, (_, i) => `Comment from api:analyst-${(i + 1) % 2}: note ${i + 1}`),
    );
  });

  test('incidents opened while Slack was off are posted with their next change once a token is set', async ({
    uid,
    slack,
    database,
    startNotifier,
  }) => {
    const store = await registerOn(database.pool);
    const withoutSlack = await startNotifier({ slack: undefined, overrides: { store } });
    const ids = await openIncidents(store, withoutSlack, uid, 3);
    expect(slack.calls).toHaveLength(0);
    await withoutSlack.stop();

    const withSlack = await startNotifier({ overrides: { store, channelIntervalMs: 0 } });
    const acks: NotificationRecord[] = [];
    for (const id of ids) {
      const acked = await store.transition(id, 'acknowledge', { actor: 'slack:U0ALICE01' });
      await withSlack.notifier.enqueue(acked.notifications);
      acks.push(...acked.notifications);
    }
    await allSent(store, acks);

    for (const id of ids) {
      const incident = await store.getIncident(id);
      expect(incident?.slack).not.toBeNull();
      const top = slack.message(incident!.slack!.channel, incident!.slack!.ts);
      expect(String(top?.text)).toContain('[Acknowledged]');
      expect(await threadOf(store, slack, id)).toEqual([
        expect.stringMatching(/^Acknowledged by <@U0ALICE01> at/),
      ]);
      // Posted on the first try: nothing waited for a first message that was never coming.
      const detail = await store.getIncident(id);
      expect(detail?.notifications.map((n) => [n.kind, n.status, n.attempts, n.lastError])).toEqual([
        ['opened', 'sent', 1, null],
        ['updated', 'sent', 1, null],
      ]);
    }
    expect(
      withSlack.logger.entries.filter((entry) => entry.level === 'warn' || entry.level === 'error'),
    ).toEqual([]);
  });

  test('an incident found in history (events 13 days old) says "historical" and pages nobody; a live one mentions the on-call', async ({
    uid,
    slack,
    database,
    startNotifier,
  }) => {
    const store = await registerOn(database.pool);
    const harness = await startNotifier({ overrides: { store, channelIntervalMs: 0 } });
    const old = new Date(Date.now() - 13 * 86_400_000).toISOString();
    const live = detection(1, uid);
    const replayed = Detection.parse({
      ...detection(2, uid),
      firstEventAt: old,
      evidence: [{ eventId: `okta:${uid}-old`, topic: 'events', partition: 0, offset: '9', time: old }],
    });
    const results = [await store.applyDetection(replayed), await store.applyDetection(live)];
    const notifications = results.flatMap((result) => result.notifications);
    await harness.notifier.enqueue(notifications);
    await allSent(store, notifications);

    const posts = slack.callsTo('chat.postMessage').filter((call) => call.status === 200);
    const textOf = (user: string) =>
      JSON.stringify(posts.find((call) => String(call.args.text).includes(user))?.args ?? null);
    const historical = textOf('user2@example.com');
    expect(historical).toContain('Historical: Brute force against user2@example.com');
    expect(historical).toContain('Historical · Brute force against user2@example.com');
    expect(historical).toContain('not happening now. Nobody was paged.');
    expect(historical).not.toContain('<@U0SECONC1>');
    const current = textOf('user1@example.com');
    expect(current).toContain('On call: <@U0SECONC1>');
    expect(current).not.toContain('Historical');
  });
});
