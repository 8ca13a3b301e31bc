import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alertmanagerAlert,
  alertmanagerWebhook,
} from '../../packages/sources/src/testing/availability-samples';
import { afterEach, describe, expect, test } from '../fixtures/services';
import { apiGet, eventually, startHarness, type Harness } from './pipeline-harness';

const ALERTMANAGER_TOKEN = 'e2e-alertmanager-token-0123456789';
const SECOND = 1000;

interface Incident {
  seq: number;
  ruleId: string;
  status: string;
  entity: { id: string };
  downtimeSeconds: number | null;
}

interface Outage {
  ref: string;
  startedAt: string;
  endedAt: string | null;
  measuredBy: string;
  downtimeSeconds: number | null;
}

/** One Alertmanager v4 delivery, as its webhook_config posts it. */
async function deliver(harness: Harness, alerts: unknown[]): Promise<void> {
  const response = await fetch(`${harness.vigil.ingestUrl}/v1/events/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALERTMANAGER_TOKEN}` },
    body: JSON.stringify(alertmanagerWebhook(alerts)),
  });
  expect(response.status).toBe(202);
}

function alert(
  service: string,
  fingerprint: string,
  startsAt: number,
  options: { endsAt?: number; severity?: string },
) {
  const resolved = options.endsAt !== undefined;
  return alertmanagerAlert({
    fingerprint,
    status: resolved ? 'resolved' : 'firing',
    labels: { alertname: `Probe-${fingerprint}`, service, severity: options.severity ?? 'warning' },
    startsAt: new Date(startsAt).toISOString(),
    endsAt: resolved ? new Date(options.endsAt ?? 0).toISOString() : '0001-01-01T00:00:00Z',
  });
}

describe('Alertmanager alert groups through the pipeline (embedded bus)', { timeout: 180_000 }, () => {
  const running: Harness[] = [];
  afterEach(async () => {
    for (const harness of running.splice(0)) await harness.stop();
  }, 60_000);

  test('a service is down while any of its alerts fires, from the earliest start; late and repeated deliveries extend it', async ({
    uid,
    redisUrl,
    database,
  }) => {
    const shop = `shop-${uid}`;
    const pay = `pay-${uid}`;
    const dir = mkdtempSync(join(tmpdir(), 'vigil-am-'));
    writeFileSync(
      join(dir, 'services.yaml'),
      `services:\n  ${shop}: { commitment: 99 }\n  ${pay}: { commitment: 99 }\n`,
    );
    const harness = await startHarness({
      uid,
      redisUrl,
      databaseUrl: database.url,
      sourcesYaml:
        'sources:\n  alertmanager:\n    format: alertmanager\n    auth: { type: bearer, secretEnv: E2E_AM_TOKEN }\n',
      env: { E2E_AM_TOKEN: ALERTMANAGER_TOKEN, SERVICES_FILE: join(dir, 'services.yaml') },
    });
    running.push(harness);
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60 * SECOND;
    const incidents = async () =>
      (await apiGet<{ incidents: Incident[] }>(harness, '/v1/incidents?limit=50')).body.incidents;
    const incidentOf = async (service: string) => (await incidents()).find((i) => i.entity.id === service);

    // Two alerts of shop's group fire (one delivery), and one critical alert of pay's: each one is an outage.
    await deliver(harness, [
      alert(shop, 'a1', t0, {}),
      alert(shop, 'a2', t0 + 60 * SECOND, {}),
      alert(pay, 'p1', t0, { severity: 'critical' }),
    ]);
    const opened = await eventually(
      async () => {
        const found = await incidentOf(shop);
        return found && (await incidentOf(pay)) ? found : undefined;
      },
      60_000,
      'an incident for each service',
    );
    expect(opened).toMatchObject({ ruleId: 'availability.alerts-down', status: 'open' });

    // a1 resolves while a2 fires (repeated, as Alertmanager repeats firing alerts): still down.
    await deliver(harness, [
      alert(shop, 'a1', t0, { endsAt: t0 + 200 * SECOND }),
      alert(shop, 'a2', t0 + 60 * SECOND, {}),
    ]);
    // An alert that began two minutes before the others, delivered late: the outage began then.
    await deliver(harness, [alert(shop, 'a3', t0 - 120 * SECOND, {})]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await incidentOf(shop))?.status).toBe('open');

    // The last two resolve: up at the last end.
    await deliver(harness, [
      alert(shop, 'a3', t0 - 120 * SECOND, { endsAt: t0 + 250 * SECOND }),
      alert(shop, 'a2', t0 + 60 * SECOND, { endsAt: t0 + 265 * SECOND }),
    ]);
    const resolved = await eventually(
      async () => {
        const found = await incidentOf(shop);
        return found?.status === 'resolved' ? found : undefined;
      },
      60_000,
      'the shop incident resolved',
    );
    // From the earliest start (t0 − 120 s) to the last end (t0 + 265 s).
    expect(resolved.downtimeSeconds).toBe(385);

    const period = `from=${new Date(t0 - 3_600_000).toISOString()}&to=${new Date(t0 + 3_600_000).toISOString()}`;
    const { body } = await apiGet<{ availability: { downtimeSeconds: number; incidents: Outage[] } }>(
      harness,
      `/v1/availability/${shop}?${period}`,
    );
    expect(body.availability.incidents).toEqual([
      expect.objectContaining({
        ref: `INC-${resolved.seq}`,
        startedAt: new Date(t0 - 120 * SECOND).toISOString(),
        endedAt: new Date(t0 + 265 * SECOND).toISOString(),
        measuredBy: 'alerts',
        downtimeSeconds: 385,
      }),
    ]);
    expect(body.availability.downtimeSeconds).toBe(385);
    // Alerts are not probe checks: no service-down incident from them.
    expect((await incidents()).filter((i) => i.ruleId === 'availability.service-down')).toEqual([]);
    expect((await incidentOf(pay))?.status).toBe('open');
  });
});
