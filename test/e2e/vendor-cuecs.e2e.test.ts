import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cuecReportCommand, exportBundleCommand, verifyBundleCommand } from '@vigil/incidents';
import { signSlackRequest, VENDOR_NOTIFIED_ACTION } from '@vigil/notify';
import { TEST_KEY } from '../../packages/incidents/src/audit/audit-test-helpers';
import { logpushBody, logpushV1 } from '../../packages/sources/src/testing/cloudflare-samples';
import { afterEach, describe, expect, test } from '../fixtures/services';
import { API_TOKEN, apiGet, apiPost, eventually, SLACK_SIGNING_SECRET, startHarness, type Harness } from './pipeline-harness';

const LOGPUSH_TOKEN = 'e2e-cloudflare-logpush-token-0123456789';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface IncidentRow {
  id: string;
  seq: number;
  ruleId: string;
  entity: { id: string };
}

/** Failed Cloudflare dashboard sign-ins for one user, as a Logpush delivery of the audit_logs dataset. */
function failedSignIns(user: string, count: number, idPrefix: string): Buffer {
  const now = Date.now();
  return logpushBody(
    Array.from({ length: count }, (_, i) =>
      logpushV1({ ID: `${idPrefix}-${i}`, When: new Date(now - (count - i) * 5_000).toISOString(), ActorEmail: user, ActionResult: false, ActorIP: '203.0.113.66' }),
    ),
  );
}

async function slackInteraction(harness: Harness, payload: unknown): Promise<Response> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${harness.vigil.apiUrl}/v1/slack/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signSlackRequest(SLACK_SIGNING_SECRET, timestamp, body) },
    body,
  });
}

describe('Cloudflare CUECs: the vendor notification duty and the CUEC report', { timeout: 180_000 }, () => {
  test('an unauthorized-use incident on the Cloudflare account escalates without a notification; one recorded from a signed Slack click stops it; the report reconciles', async ({
    uid,
    redisUrl,
    database,
  }) => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-vendors-'));
    writeFileSync(join(dir, 'sources.yaml'), 'sources:\n  cloudflare:\n    format: cloudflare\n    auth: { type: bearer, secretEnv: E2E_CF_LOGPUSH_TOKEN }\n');
    writeFileSync(
      join(dir, 'vendors.yaml'),
      [
        'vendors:',
        '  cloudflare:',
        '    name: Cloudflare',
        '    sources: [cloudflare]',
        '    notify: { rules: [identity.brute-force], withinMinutes: 0.25, contact: "Cloudflare Support <support@example.com>" }',
        '    cuecs:',
        '      - id: CF-NOTIFY',
        '        text: Notify Cloudflare promptly of any actual or suspected unauthorized use of the account.',
        '        criteria: [CC7.3, CC7.4]',
        '        monitors: { rules: [identity.brute-force], duties: [vendor-notification] }',
        '      - id: CF-2FA',
        '        text: Two-factor authentication for every user.',
        '        criteria: [CC6.1]',
        '        monitors: { rules: [identity.mfa-removed] }',
        '',
      ].join('\n'),
    );
    const adminHash = createHash('sha256').update(API_TOKEN).digest('hex');
    const harness = await startHarness({
      uid,
      redisUrl,
      databaseUrl: database.url,
      env: { SOURCES_FILE: join(dir, 'sources.yaml'), VENDORS_FILE: join(dir, 'vendors.yaml'), E2E_CF_LOGPUSH_TOKEN: LOGPUSH_TOKEN, API_TOKENS: `e2e:admin:${adminHash}` },
    });
    cleanups.push(() => harness.stop());
    const periodFrom = new Date(Date.now() - 3_600_000).toISOString();
    const deliver = (body: Buffer) =>
      fetch(`${harness.vigil.ingestUrl}/v1/events/cloudflare`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${LOGPUSH_TOKEN}` }, body });

    // Two users' sign-ins fail in bursts on the Cloudflare dashboard: two brute-force incidents on the vendor account.
    expect((await deliver(failedSignIns('mallory@example.com', 6, `${uid}-m`))).status).toBe(202);
    expect((await deliver(failedSignIns('trent@example.com', 6, `${uid}-t`))).status).toBe(202);
    const [ignored, answered] = await eventually(
      async () => {
        const { body } = await apiGet<{ incidents: IncidentRow[] }>(harness, '/v1/incidents');
        const find = (user: string) => body.incidents.find((i) => i.ruleId === 'identity.brute-force' && i.entity.id === user);
        const both = [find('mallory@example.com'), find('trent@example.com')];
        return both.every(Boolean) ? (both as IncidentRow[]) : undefined;
      },
      30_000,
      'two brute-force incidents',
    );

    // Trent's: "Vendor notified" recorded from Slack, a signed click then the modal, before it is due.
    const trigger = harness.slack.issueTrigger(10_000);
    const click = await slackInteraction(harness, {
      type: 'block_actions',
      user: { id: 'U0ALICE01', username: 'alice' },
      team: { id: 'T0VIGIL01' },
      trigger_id: trigger,
      channel: { id: 'C0SEC' },
      actions: [{ type: 'button', action_id: VENDOR_NOTIFIED_ACTION, value: answered!.id, action_ts: `${Date.now() / 1000}` }],
    });
    expect(click.status).toBe(200);
    const opened = await eventually(async () => harness.slack.callsTo('views.open').find((c) => c.ok), 10_000, 'the modal');
    const view = (opened.response as { view: { id: string; callback_id: string; private_metadata: string } }).view;
    const submitted = await slackInteraction(harness, {
      type: 'view_submission',
      user: { id: 'U0ALICE01', username: 'alice' },
      team: { id: 'T0VIGIL01' },
      view: { id: view.id, callback_id: view.callback_id, private_metadata: view.private_metadata, state: { values: { vendor_reference: { value: { type: 'plain_text_input', value: 'CF-CASE-4711' } } } } },
    });
    expect(submitted.status).toBe(200);
    expect(await submitted.text()).toBe('');

    // Mallory's: nobody told Cloudflare; past 15 s the timers record the finding and escalate in Slack with the button.
    const reminder = await eventually(
      async () => harness.slack.callsTo('chat.postMessage').find((c) => c.ok && String(c.args.text).includes('has not been notified')),
      90_000, // due after 15 s; the rest is room for a loaded CI machine
      'the vendor-notification reminder',
    );
    expect(String(reminder.args.text)).toContain('Cloudflare Support &lt;support@example.com&gt;');
    expect(JSON.stringify(reminder.args.blocks)).toContain(VENDOR_NOTIFIED_ACTION);
    expect(JSON.stringify(reminder.args.blocks)).toContain(ignored!.id);
    const detail = await apiGet<{ incident: { timeline: Array<{ kind: string; data: Record<string, unknown> }> } }>(harness, `/v1/incidents/${ignored!.id}`);
    expect(detail.body.incident.timeline.some((t) => t.kind === 'response-finding' && t.data.finding === 'vendor-notification-overdue')).toBe(true);

    // Well past Trent's due time: his incident got no reminder, and its timeline has the notification.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const reminders = harness.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).includes('has not been notified'));
    expect(reminders.map((c) => JSON.stringify(c.args.blocks)).some((b) => b.includes(answered!.id))).toBe(false);
    const answeredDetail = await apiGet<{ incident: { timeline: Array<{ kind: string; actor: string; data: Record<string, unknown> }> } }>(harness, `/v1/incidents/${answered!.id}`);
    const answeredTimeline = answeredDetail.body.incident.timeline;
    expect(answeredTimeline.find((t) => t.kind === 'vendor-notified')).toMatchObject({ actor: 'slack:U0ALICE01', data: { vendor: 'cloudflare', reference: 'CF-CASE-4711' } });
    expect(answeredTimeline.some((t) => t.kind === 'response-finding' && t.data.finding === 'vendor-notification-overdue')).toBe(false);

    // Recording again through the API returns the first record.
    const again = await apiPost<{ created: boolean; notification: { reference: string } }>(harness, `/v1/incidents/${answered!.id}/vendor-notifications`, { reference: 'other' });
    expect(again).toMatchObject({ status: 200, body: { created: false, notification: { reference: 'CF-CASE-4711' } } });

    // The CUEC report for the period: CF-NOTIFY has Mallory's incident as its exception, Trent's told in time.
    const periodTo = new Date(Date.now() + 60_000).toISOString();
    const query = `from=${encodeURIComponent(periodFrom)}&to=${encodeURIComponent(periodTo)}`;
    const report = await apiGet<{
      reconciliation: { populationIncidents: number; vendorIncidents: number; exceptionIncidents: number };
      cuecs: Array<{ id: string; operated: boolean; evidence: { notificationsOwed: number; notificationsOnTime: number }; exceptions: Array<{ incidentId: string; reason: string }> }>;
    }>(harness, `/v1/vendors/cuec-report?${query}`);
    expect(report.status).toBe(200);
    const notify = report.body.cuecs.find((c) => c.id === 'CF-NOTIFY');
    expect(notify).toMatchObject({ operated: false, evidence: { notificationsOwed: 2, notificationsOnTime: 1 } });
    expect(notify!.exceptions.filter((e) => e.reason === 'vendor-not-notified').map((e) => e.incidentId)).toEqual([ignored!.id]);
    expect(report.body.cuecs.find((c) => c.id === 'CF-2FA')).toMatchObject({ operated: true, exceptions: [] });

    // It reconciles with the audit population of the same period.
    const population = await apiGet<{ incidents: Array<{ id: string }> }>(harness, `/v1/audit/population?${query}`);
    expect(population.status).toBe(200);
    expect(report.body.reconciliation.populationIncidents).toBe(population.body.incidents.length);
    expect(report.body.reconciliation.vendorIncidents).toBe(2);
    const populationIds = new Set(population.body.incidents.map((i) => i.id));
    for (const cuec of report.body.cuecs) for (const e of cuec.exceptions) expect(populationIds.has(e.incidentId)).toBe(true);

    const csv = await fetch(`${harness.vigil.apiUrl}/v1/vendors/cuec-report?${query}&format=csv`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await csv.text()).toContain(`cloudflare,CF-NOTIFY,CC7.3 CC7.4,false,INC-${ignored!.seq},identity.brute-force`);

    // The same report from the CLI, and in the signed evidence bundle of the period (verified offline).
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) };
    const env = { DATABASE_URL: database.url, VENDORS_FILE: join(dir, 'vendors.yaml') };
    expect(await cuecReportCommand({ argv: ['--from', periodFrom, '--to', periodTo], env, ...io })).toBe(1);
    expect(err).toEqual([]);
    expect(out.join('\n')).toContain(`Cloudflare CF-NOTIFY (CC7.3, CC7.4): EXCEPTIONS`);
    expect(out.join('\n')).toContain(`INC-${ignored!.seq} identity.brute-force`);
    const bundleDir = join(dir, 'bundle');
    expect(await exportBundleCommand({ argv: ['--from', periodFrom, '--to', periodTo, '--out', bundleDir, '--by', 'e2e'], env: { ...env, REGISTER_SIGNING_KEY: TEST_KEY.privatePem }, ...io })).toBe(0);
    const bundled = JSON.parse(readFileSync(join(bundleDir, 'cuec-report.json'), 'utf8')) as { reconciliation: { populationIncidents: number } };
    expect(bundled.reconciliation.populationIncidents).toBe(population.body.incidents.length);
    expect(readdirSync(bundleDir)).toEqual(expect.arrayContaining(['cuec-report.csv', 'cuec-report.txt', 'manifest.json']));
    expect(await verifyBundleCommand({ argv: [bundleDir, '--public-key', await TEST_KEY.publicKeyFile()], ...io })).toBe(0);
  });
});
