import { afterEach, describe, expect, test } from '../fixtures/services';
import { SLACK_ACTION_IDS, signSlackRequest } from '@vigil/notify';
import { apiGet, apiPost, eventually, postEvents, slackClick, startHarness, type Harness } from './pipeline-harness';

interface IncidentSummary {
  id: string;
  seq: number;
  ruleId: string;
  status: string;
  detectionCount: number;
  eventCount: number;
  downtimeSeconds: number | null;
  entity: { type: string; id: string };
}

function minutesAgo(minutes: number): string {
  return new Date(Date.now() - minutes * 60_000).toISOString();
}

function failedLogins(user: string, count: number, idPrefix: string): unknown[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${idPrefix}-${i}`,
    kind: 'authentication',
    action: 'login',
    time: minutesAgo(5 - i * 0.5),
    entity: { type: 'user', id: user },
    outcome: 'failure',
    actor: { user, ip: '203.0.113.9' },
  }));
}

function uptimeCheck(service: string, id: string, time: string, up: boolean): unknown {
  return { id, kind: 'uptime_check', action: 'http', time, entity: { type: 'service', id: service }, outcome: up ? 'success' : 'failure' };
}

async function incidentsFor(harness: Harness, ruleId: string): Promise<IncidentSummary[]> {
  const { body } = await apiGet<{ incidents: IncidentSummary[] }>(harness, '/v1/incidents?limit=100');
  return body.incidents.filter((i) => i.ruleId === ruleId);
}

// Kafka consumer groups take several seconds to form on the mock broker; give each test room.
describe.each([
  { bus: 'kafka', useKafka: true },
  { bus: 'embedded', useKafka: false },
])('the whole pipeline over the $bus bus', { timeout: 90_000 }, ({ useKafka }) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  test('a burst of failed logins makes one incident and one Slack post; the same burst again makes nothing new', async ({
    uid,
    kafkaBrokers,
    redisUrl,
    database,
  }) => {
    harness = await startHarness({ uid, redisUrl, databaseUrl: database.url, ...(useKafka ? { kafkaBrokers } : {}) });
    const h = harness;
    const burst = failedLogins('mallory@example.com', 6, `${uid}-login`);
    const first = await postEvents(h, burst);
    expect(first.status).toBe(202);

    // The fifth failure opens it; the sixth is the burst going on and adds to it: 6 events in all.
    const [incident] = await eventually(async () => {
      const found = await incidentsFor(h, 'identity.brute-force');
      return found[0]?.eventCount === 6 ? found : undefined;
    }, 30_000, 'the brute-force incident with all 6 failures');
    expect(incident).toMatchObject({ status: 'open', entity: { type: 'user', id: 'mallory@example.com' } });

    // Top-level posts; the burst's sixth failure is a reply in the thread ("1 more event (6 in all)").
    const topLevel = () => h.slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.thread_ts === undefined);
    const posts = await eventually(async () => {
      const calls = topLevel();
      return calls.length > 0 ? calls : undefined;
    }, 20_000, 'the Slack post');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args.channel).toBe('#e2e-security');
    expect(String(posts[0]?.args.text)).toContain(`INC-${incident?.seq}`);

    // The same events again (a sender's retry): same ids, so no new incident, no new post.
    const replay = await postEvents(h, burst);
    expect(replay.status).toBe(202);
    // A later, unrelated event that is processed after the replay on the same entity's partition.
    const marker = await postEvents(h, [
      { id: `${uid}-marker`, kind: 'authentication', action: 'login', time: minutesAgo(1), entity: { type: 'user', id: 'mallory@example.com' }, outcome: 'success' },
    ]);
    expect(marker.status).toBe(202);
    await new Promise((r) => setTimeout(r, 3000));

    const after = await incidentsFor(h, 'identity.brute-force');
    expect(after).toHaveLength(1);
    expect(after[0]?.detectionCount).toBe(incident?.detectionCount);
    expect(topLevel()).toHaveLength(1);
    const replies = h.slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.thread_ts !== undefined);
    expect(replies.map((c) => String(c.args.text))).toEqual([
      expect.stringMatching(/^1 more event \(6 in all\), last event at /),
    ]);

    const detail = await apiGet<{
      incident: {
        timeline: Array<{ kind: string; data: { evidenceKept?: Array<{ eventId: string; sha256: string }> } }>;
        communications: Array<{ channel: string; ts: string; method: string }>;
        evidence: Array<{ eventId: string }>;
        evidencePayloads: Array<{ eventId: string; sha256: string; event: { raw: unknown } }>;
      };
    }>(h, `/v1/incidents/${incident?.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.incident.timeline.map((t) => t.kind)).toContain('detected');
    // The post, then the update of that message and its thread reply for the sixth failure.
    expect(detail.body.incident.communications.map((c) => c.method)).toEqual([
      'chat.postMessage',
      'chat.update',
      'chat.postMessage',
    ]);
    // The events behind it are in the register whole, raw payload included, each named in the chain by its hash.
    const { evidence, evidencePayloads, timeline } = detail.body.incident;
    expect(evidencePayloads.map((p) => p.eventId).sort()).toEqual(evidence.map((e) => e.eventId).sort());
    expect(evidencePayloads.length).toBeGreaterThanOrEqual(5);
    for (const payload of evidencePayloads) expect(JSON.stringify(payload.event.raw)).toContain(`${uid}-login`);
    const vouched = timeline.flatMap((t) => t.data.evidenceKept ?? []);
    expect(vouched.map((v) => v.sha256).sort()).toEqual(evidencePayloads.map((p) => p.sha256).sort());
  });

  test('a service going down and coming back opens and resolves one incident, and Slack says so', async ({
    uid,
    kafkaBrokers,
    redisUrl,
    database,
  }) => {
    harness = await startHarness({ uid, redisUrl, databaseUrl: database.url, ...(useKafka ? { kafkaBrokers } : {}) });
    const h = harness;
    const service = `checkout-${uid}`;
    const t0 = Date.now() - 10 * 60_000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const res = await postEvents(h, [
      uptimeCheck(service, `${uid}-c0`, at(0), true),
      uptimeCheck(service, `${uid}-c1`, at(60), false),
      uptimeCheck(service, `${uid}-c2`, at(120), false),
      uptimeCheck(service, `${uid}-c3`, at(180), false),
    ]);
    expect(res.status).toBe(202);
    const [opened] = await eventually(async () => {
      const found = await incidentsFor(h, 'availability.service-down');
      return found.length > 0 ? found : undefined;
    }, 30_000, 'the service-down incident');
    expect(opened).toMatchObject({ status: 'open', entity: { type: 'service', id: service } });

    expect((await postEvents(h, [uptimeCheck(service, `${uid}-c4`, at(300), true)])).status).toBe(202);
    const resolved = await eventually(async () => {
      const [found] = await incidentsFor(h, 'availability.service-down');
      return found?.status === 'resolved' ? found : undefined;
    }, 30_000, 'the incident to resolve');
    expect(resolved.id).toBe(opened?.id);
    // Down from the first failed check (60 s) to the first good one (300 s).
    expect(resolved.downtimeSeconds).toBe(240);

    await eventually(async () => {
      const replies = h.slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.thread_ts && /resolved/i.test(String(c.args.text)));
      return replies.length > 0 ? replies : undefined;
    }, 20_000, 'the resolution in the thread');
    // Other availability rules (e.g. the commitment) may speak about the same outage; this is about its own incident.
    const ref = new RegExp(`INC-${opened?.seq}\\b`);
    const posts = h.slack.callsTo('chat.postMessage').filter((c) => c.ok && !c.args.thread_ts && ref.test(String(c.args.text)));
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args.channel).toBe('#e2e-sre');
    const updates = h.slack.callsTo('chat.update').filter((c) => c.ok && c.args.ts === posts[0]?.response.ts);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(String(updates.at(-1)?.args.text)).toMatch(/resolved/i);
    const reply = h.slack.callsTo('chat.postMessage').find((c) => c.ok && c.args.thread_ts === posts[0]?.response.ts);
    expect(String(reply?.args.text)).toMatch(/4 ?m/);
  });

  test('a responder acknowledges through the API: the timeline names them and the Slack message is updated in place', async ({
    uid,
    kafkaBrokers,
    redisUrl,
    database,
  }) => {
    harness = await startHarness({ uid, redisUrl, databaseUrl: database.url, ...(useKafka ? { kafkaBrokers } : {}) });
    const h = harness;
    expect((await postEvents(h, failedLogins('trudy@example.com', 5, `${uid}-ack`))).status).toBe(202);
    const [incident] = await eventually(async () => {
      const found = await incidentsFor(h, 'identity.brute-force');
      return found.length > 0 && h.slack.callsTo('chat.postMessage').some((c) => c.ok) ? found : undefined;
    }, 30_000, 'the incident and its Slack post');

    const ack = await apiPost<{ incident: { status: string } }>(h, `/v1/incidents/${incident?.id}/ack`, { text: 'looking' });
    expect(ack.status).toBe(200);
    expect(ack.body.incident.status).toBe('acknowledged');
    const again = await apiPost<{ error: { code: string } }>(h, `/v1/incidents/${incident?.id}/ack`, {});
    expect(again.status).toBe(409);

    const update = await eventually(async () => {
      const calls = h.slack.callsTo('chat.update').filter((c) => c.ok && /acknowledged/i.test(String(c.args.text)));
      return calls.length > 0 ? calls[0] : undefined;
    }, 20_000, 'the Slack message to show the acknowledgement');
    const postTs = h.slack.callsTo('chat.postMessage').find((c) => c.ok)?.response.ts;
    expect(update?.args.ts).toBe(postTs);
    const detail = await apiGet<{ incident: { timeline: Array<{ kind: string; actor: string }> } }>(h, `/v1/incidents/${incident?.id}`);
    expect(detail.body.incident.timeline).toContainEqual(expect.objectContaining({ actor: 'api:e2e' }));

    // A comment through the API reaches the thread too, after the acknowledgement, as docs/api.md says.
    const comment = await apiPost(h, `/v1/incidents/${incident?.id}/comment`, { text: 'user called back' });
    expect(comment.status).toBe(200);
    const thread = await eventually(async () => {
      const replies = h.slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.thread_ts === postTs);
      return replies.length >= 2 ? replies.map((c) => String(c.args.text)) : undefined;
    }, 20_000, 'the acknowledgement and the comment in the thread');
    expect(thread).toEqual([
      expect.stringMatching(/^Acknowledged by api:e2e at .* Note: looking$/),
      'Comment from api:e2e: user called back',
    ]);
  });

  test('an Acknowledge click in Slack, signed, acts once; a forged one changes nothing', async ({ uid, kafkaBrokers, redisUrl, database }) => {
    harness = await startHarness({ uid, redisUrl, databaseUrl: database.url, ...(useKafka ? { kafkaBrokers } : {}) });
    const h = harness;
    expect((await postEvents(h, failedLogins('oscar@example.com', 5, `${uid}-click`))).status).toBe(202);
    const post = await eventually(async () => h.slack.callsTo('chat.postMessage').find((c) => c.ok), 30_000, 'the Slack post');
    const [incident] = await incidentsFor(h, 'identity.brute-force');
    const click = {
      actionId: SLACK_ACTION_IDS.acknowledge,
      incidentId: incident?.id ?? '',
      user: 'U0ALICE01',
      ts: `${Date.now() / 1000}`,
      messageTs: String(post.response.ts),
      channel: String(post.response.channel),
    };

    const forged = await slackClick(h, click, signSlackRequest, 'not-the-signing-secret-at-all');
    expect(forged.status).toBe(401);
    expect((await incidentsFor(h, 'identity.brute-force'))[0]?.status).toBe('open');

    expect((await slackClick(h, click, signSlackRequest)).status).toBe(200);
    expect((await slackClick(h, click, signSlackRequest)).status).toBe(200); // a double click
    const acknowledged = await eventually(async () => {
      const [found] = await incidentsFor(h, 'identity.brute-force');
      return found?.status === 'acknowledged' ? found : undefined;
    }, 10_000, 'the acknowledgement');
    const detail = await apiGet<{ incident: { timeline: Array<{ kind: string; actor: string }> } }>(h, `/v1/incidents/${acknowledged.id}`);
    expect(detail.body.incident.timeline.filter((t) => t.actor === 'slack:U0ALICE01')).toHaveLength(1);
    await eventually(async () => {
      const updates = h.slack.callsTo('chat.update').filter((c) => c.ok && c.args.ts === post.response.ts && /acknowledged/i.test(String(c.args.text)));
      return updates.length > 0 ? updates : undefined;
    }, 20_000, 'the message to be updated in place');
  });
});
