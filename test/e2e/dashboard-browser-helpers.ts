import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Detection } from '@vigil/schema';

/** What the dashboard's browser tests share: Debian's Chromium, and detections as the detector makes them. */

const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

export function detection(
  fields: Record<string, unknown> & { id: string; firstEventAt: string; detectedAt: string },
): Detection {
  return Detection.parse({
    ruleVersion: 2,
    severity: 'SEV2',
    attributes: {},
    evidence: [
      {
        eventId: `prober:${fields.id}`,
        topic: 'vigil.events',
        partition: 0,
        offset: '1',
        time: fields.firstEventAt,
      },
    ],
    // The event itself, whole, as the detector carries it into the register's evidence.
    payloads: [
      {
        event: {
          id: `prober:${fields.id}`,
          source: 'prober',
          kind: 'uptime_check',
          action: 'http.check',
          ocsfClassUid: 0,
          time: fields.firstEventAt,
          receivedAt: fields.firstEventAt,
          entity: { type: 'service', id: 'probe' },
          outcome: 'failure',
          actor: {},
          attributes: {},
          raw: { check: fields.id, status: 503, body: '<script>alert(1)</script>' },
        },
      },
    ],
    ...fields,
  });
}

export function outage(
  service: string,
  key: string,
  startedAt: string,
  downtimeSeconds?: number,
): Detection[] {
  const common = {
    ruleId: 'availability.service-down',
    criteria: ['A1.2', 'CC7.4'],
    category: 'availability',
    dedupKey: `availability.service-down:service:${service}`,
    entity: { type: 'service', id: service },
    ownerKey: service,
    firstEventAt: startedAt,
  };
  const at = (seconds: number) => new Date(Date.parse(startedAt) + seconds * 1000).toISOString();
  const down = detection({
    ...common,
    id: `${key}-down`,
    status: 'firing',
    title: `Service ${service} is down`,
    summary: `3 consecutive failed checks for ${service}.`,
    detectedAt: at(61),
    attributes: { outage: 'down', outageAt: startedAt, measuredBy: 'consecutive-checks' },
  });
  if (downtimeSeconds === undefined) return [down];
  const up = detection({
    ...common,
    id: `${key}-up`,
    status: 'resolved',
    title: `Service ${service} is back up`,
    summary: `${service} recovered.`,
    detectedAt: at(downtimeSeconds + 2),
    attributes: {
      downtimeSeconds,
      outage: 'up',
      outageAt: at(downtimeSeconds),
      measuredBy: 'consecutive-checks',
    },
  });
  return [down, up];
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the dashboard test needs a real browser and does not skip. ` +
        "Install Debian's package: apt-get install -y chromium",
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function signIn(page: Page, token: string): Promise<void> {
  await page.locator('#token').fill(token);
  await page.locator('#token-form button[type="submit"]').click();
}
