import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { Browser, Page } from 'playwright-core';
import { buildApiServer, hashToken, parseServicesText } from '@vigil/api';
import { migrate, PgAvailabilityStore, PgIncidentStore } from '@vigil/incidents';
import { ManualClock } from '@vigil/runtime';
import type { Detection } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../fixtures/services';
import { ARTIFACTS, detection, launchChromium, outage, signIn } from './dashboard-browser-helpers';

const VIEWER = 'incident-viewer-5d1c9e3a77';
const RESPONDER = 'incident-responder-0a7f2b8c41';
const AUDITOR = 'incident-auditor-9e4d6b1f23';
const SERVICES = parseServicesText('services:\n  checkout: { name: Checkout, commitment: 99.9 }\n', 'services.yaml');

function bruteForce(user: string, key: string, at: string): Detection {
  return detection({
    id: key,
    ruleId: 'identity.brute-force',
    ruleVersion: 1,
    status: 'firing',
    title: `Brute force against ${user}`,
    summary: '12 failed sign-ins in 10 minutes',
    criteria: ['CC7.2', 'CC7.3'],
    category: 'security',
    dedupKey: `identity.brute-force:user:${user}`,
    entity: { type: 'user', id: user },
    ownerKey: 'okta',
    firstEventAt: at,
    detectedAt: at,
  });
}

/** The visible text of each timeline line, as a person reads it. */
const timelineLines = (page: Page) =>
  page.locator('#timeline li').evaluateAll((items) => items.map((li) => (li as unknown as { innerText: string }).innerText));

/** A migrated register on 20 November 2026 at 09:00. */
async function register(pool: Pool) {
  await migrate(pool);
  const clock = new ManualClock(Date.parse('2026-11-20T09:00:00.000Z'));
  return { clock, store: new PgIncidentStore({ pool, clock, logger: silentLogger }) };
}

/** The API over it, listening on a free port, with a viewer, a responder and an auditor token. */
async function serve(pool: Pool, store: PgIncidentStore, clock: ManualClock) {
  const app: FastifyInstance = buildApiServer({
    store,
    logger: silentLogger,
    tokens: [
      { name: 'dash-viewer', role: 'viewer', sha256: hashToken(VIEWER) },
      { name: 'sre-oncall', role: 'responder', sha256: hashToken(RESPONDER) },
      { name: 'ext-auditor', role: 'auditor', sha256: hashToken(AUDITOR) },
    ],
    availability: {
      store: new PgAvailabilityStore({ pool, clock, logger: silentLogger }),
      services: SERVICES,
      clock,
    },
  });
  return { app, base: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

describe('an incident on its own view in the dashboard', () => {
  test(
    'has its own URL, works with back and forward, and lets a responder acknowledge, resolve and dismiss',
    { timeout: 120_000 },
    async ({ database }) => {
      const { store, clock } = await register(database.pool);
      // INC-1 mallory (its Slack message posted to #secops), INC-2 a checkout outage still going, INC-3 trent.
      const mallory = await store.applyDetection(
        bruteForce('mallory@example.com', 'bf-mallory', '2026-11-20T08:55:00.000Z'),
      );
      await store.recordDelivery(mallory.notifications[0]!.id, [
        { method: 'chat.postMessage', channel: 'C0SECOPS', ts: '1763629200.000100', text: 'Brute force' },
      ]);
      for (const d of outage('checkout', 'co', '2026-11-20T08:58:00.000Z')) await store.applyDetection(d);
      const trent = await store.applyDetection(bruteForce('trent@example.com', 'bf-trent', '2026-11-20T08:59:00.000Z'));
      clock.set('2026-11-20T09:30:00.000Z');

      const { app, base } = await serve(database.pool, store, clock);
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        mkdirSync(ARTIFACTS, { recursive: true });
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));

        await page.goto(`${base}/dashboard`);
        await signIn(page, RESPONDER);
        const openRows = page.locator('#open-incidents tbody tr[data-incident]');
        await expect.poll(() => openRows.count()).toBe(3);

        // Opening an incident gives it its own address and its own view, at the top of the page.
        await openRows.filter({ hasText: 'mallory@example.com' }).click();
        await expect.poll(() => page.url()).toBe(`${base}/dashboard/incidents/${mallory.incident!.id}`);
        await expect.poll(() => page.locator('#detail-title').textContent()).toBe(
          'INC-1 · Brute force against mallory@example.com',
        );
        expect(await page.locator('#sre-view').isVisible()).toBe(false);
        expect(await page.locator('#incident-view').isVisible()).toBe(true);
        expect(await page.locator('#status').textContent()).toBe('');
        expect(await page.evaluate<number>('window.scrollY')).toBe(0);

        // Each timeline line: entry number, kind, time, actor, each apart; a notification names its channel.
        const before = await timelineLines(page);
        expect(before[0]).toMatch(/^#\d+ · detected · 2026-11-20 09:00 UTC · by vigil:identity\.brute-force\n/);
        expect(before[1]).toMatch(/^#\d+ · notified · 2026-11-20 09:00 UTC · by vigil:notifier\n/);
        expect(before[1]).toContain('posted in C0SECOPS');
        for (const line of before) expect(line).not.toMatch(/by \S+#\d/);

        // Acknowledge, then resolve with a root cause; each is recorded as the token's holder.
        expect(await page.locator('#actions-note').textContent()).toBe('Recorded in the timeline as api:sre-oncall.');
        await page.locator('#action-buttons button[data-action="ack"]').click();
        await expect.poll(() => page.locator('#detail-status').textContent()).toBe('acknowledged');
        expect(await page.locator('#action-result').textContent()).toBe('INC-1 acknowledged.');
        expect((await timelineLines(page)).at(-1)).toMatch(/^#\d+ · acknowledged · .* · by api:sre-oncall/);
        expect(await page.locator('#action-buttons button[data-action="ack"]').isVisible()).toBe(false);

        await page.locator('#action-buttons button[data-action="resolve"]').click();
        // No root cause, no resolution: the form will not submit empty.
        await page.locator('#resolve-form button[type="submit"]').click();
        expect(await page.locator('#detail-status').textContent()).toBe('acknowledged');
        await page.locator('#resolve-root-cause').fill('Credential stuffing from a leaked list; MFA held.');
        await page.locator('#resolve-form button[type="submit"]').click();
        await expect.poll(() => page.locator('#detail-status').textContent()).toBe('resolved');
        const resolvedLine = (await timelineLines(page)).at(-1)!;
        expect(resolvedLine).toMatch(/^#\d+ · resolved · .* · by api:sre-oncall/);
        expect(resolvedLine).toContain('root cause: Credential stuffing from a leaked list; MFA held.');
        expect(await page.locator('#actions-note').textContent()).toBe(
          'INC-1 is resolved: nothing to acknowledge, resolve or dismiss.',
        );
        await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-incident-view.png'), fullPage: true });

        // The browser's back button returns to the list, which no longer shows the resolved incident.
        await page.goBack();
        await expect.poll(() => page.url()).toBe(`${base}/dashboard`);
        await expect.poll(() => page.locator('#sre-view').isVisible()).toBe(true);
        expect(await page.locator('#incident-view').isVisible()).toBe(false);
        await expect.poll(() => openRows.count()).toBe(2);
        await page.goForward();
        await expect.poll(() => page.locator('#incident-view').isVisible()).toBe(true);
        await expect.poll(() => page.locator('#detail-status').textContent()).toBe('resolved');

        // An incident's address opens it directly; dismissing needs a reason.
        await page.goto(`${base}/dashboard/incidents/${trent.incident!.id}`);
        await expect.poll(() => page.locator('#detail-title').textContent()).toBe(
          'INC-3 · Brute force against trent@example.com',
        );
        await page.locator('#action-buttons button[data-action="dismiss"]').click();
        await page.locator('#dismiss-reason').fill('Trent’s own password manager retrying an old password.');
        await page.locator('#dismiss-form button[type="submit"]').click();
        await expect.poll(() => page.locator('#detail-status').textContent()).toBe('dismissed');
        const dismissedLine = (await timelineLines(page)).at(-1)!;
        expect(dismissedLine).toMatch(/^#\d+ · dismissed · .* · by api:sre-oncall/);
        expect(dismissedLine).toContain('reason: Trent’s own password manager retrying an old password.');
        // With no list behind it, Back goes to the dashboard itself.
        await page.locator('#detail-back').click();
        await expect.poll(() => page.url()).toBe(`${base}/dashboard`);
        await expect.poll(() => openRows.count()).toBe(1);

        // The register has the same actions, with the same actors, as any API client's.
        const fromApi = async (id: string) =>
          ((await (
            await fetch(`${base}/v1/incidents/${id}`, { headers: { authorization: `Bearer ${VIEWER}` } })
          ).json()) as { incident: { status: string; rootCause: string | null; timeline: Array<{ kind: string; actor: string }> } })
            .incident;
        const malloryNow = await fromApi(mallory.incident!.id);
        expect(malloryNow.status).toBe('resolved');
        expect(malloryNow.rootCause).toBe('Credential stuffing from a leaked list; MFA held.');
        expect(malloryNow.timeline.filter((e) => e.actor === 'api:sre-oncall').map((e) => e.kind)).toEqual([
          'acknowledged',
          'resolved',
        ]);
        expect((await fromApi(trent.incident!.id)).status).toBe('dismissed');
        expect(problems).toEqual([]);
      } finally {
        await browser?.close();
        await app.close();
      }
    },
  );

  test(
    'a viewer sees no actions; the status line follows the view; verifying the chain keeps the population line',
    { timeout: 120_000 },
    async ({ database }) => {
      const { store, clock } = await register(database.pool);
      const opened = await store.applyDetection(
        bruteForce('mallory@example.com', 'bf-mallory', '2026-11-20T08:55:00.000Z'),
      );
      const id = opened.incident!.id;
      const { app, base } = await serve(database.pool, store, clock);
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        const viewer = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await viewer.goto(`${base}/dashboard/incidents/${id}`);
        await signIn(viewer, VIEWER);
        await expect.poll(() => viewer.locator('#detail-title').textContent()).toBe(
          'INC-1 · Brute force against mallory@example.com',
        );
        await expect.poll(() => viewer.locator('#actions-note').textContent()).toBe(
          'Your token (dash-viewer, role viewer) can read this incident. Acknowledging, resolving or ' +
            'dismissing needs a responder or admin token.',
        );
        expect(await viewer.locator('#action-buttons button:visible').count()).toBe(0);
        // The server refuses it too, whatever a page offers.
        const refused = await fetch(`${base}/v1/incidents/${id}/ack`, {
          method: 'POST',
          headers: { authorization: `Bearer ${VIEWER}`, 'content-type': 'application/json' },
          body: '{}',
        });
        expect(refused.status).toBe(403);

        const auditor = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await auditor.goto(`${base}/dashboard/incidents/${id}`);
        await signIn(auditor, AUDITOR);
        await expect.poll(() => auditor.locator('#detail-status').textContent()).toBe('open');
        // Make the status line say something, then switch views: it must not follow into the Auditor view.
        await auditor.evaluate("document.getElementById('status').textContent = 'INC-1: 1 timeline entries'");
        await auditor.locator('#views button[data-view="auditor"]').click();
        await expect.poll(() => auditor.locator('#audit-note').textContent()).toContain('1 incident open at some moment');
        expect(await auditor.locator('#status').textContent()).toBe('');
        expect(auditor.url()).toBe(`${base}/dashboard`);
        const population = await auditor.locator('#audit-note').textContent();
        await auditor.locator('#chain-verify').click();
        await expect.poll(() => auditor.locator('#chain-result').textContent()).toMatch(
          /^Chain intact: \d+ entries, head [0-9a-f]{64}$/,
        );
        expect(await auditor.locator('#audit-note').textContent()).toBe(population);
        await auditor.screenshot({ path: path.join(ARTIFACTS, 'dashboard-auditor-chain.png'), fullPage: true });
      } finally {
        await browser?.close();
        await app.close();
      }
    },
  );
});
