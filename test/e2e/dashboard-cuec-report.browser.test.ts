import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildApiServer, hashToken, parseServicesText } from '@vigil/api';
import { migrate, parseVendorsConfig, PgAvailabilityStore, PgIncidentStore } from '@vigil/incidents';
import { ManualClock } from '@vigil/runtime';
import type { Detection } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../fixtures/services';
import { ARTIFACTS, detection, launchChromium, signIn } from './dashboard-browser-helpers';

const AUDITOR = 'cuec-auditor-5e1f0a9c3d7b';
const VIEWER = 'cuec-viewer-2b8d4f6a0c1e';
const VENDORS = `
vendors:
  cloudflare:
    name: Cloudflare
    sources: [cloudflare]
    notify:
      rules: [identity.new-country-signin]
      withinMinutes: 240
      contact: Cloudflare Support
    cuecs:
      - id: CF-2FA
        text: Two-factor authentication for the users of the Cloudflare dashboard and API.
        criteria: [CC6.1]
        monitors:
          rules: [identity.mfa-removed]
      - id: CF-NOTIFY
        text: Notify Cloudflare promptly of any actual or suspected unauthorized use.
        criteria: [CC7.3, CC7.4]
        monitors:
          rules: [identity.new-country-signin]
          duties: [vendor-notification]
`;

/** An admin's sign-in from a new country, from the Cloudflare audit log: an exception of CF-NOTIFY. */
function newCountrySignIn(): Detection {
  const at = '2026-11-19T08:00:00.000Z';
  return detection({
    id: 'nc-1',
    ruleId: 'identity.new-country-signin',
    ruleVersion: 1,
    status: 'firing',
    title: 'Sign-in from a new country for alice@example.com: RO',
    summary: 'alice@example.com signed in to cloudflare from RO.',
    criteria: ['CC7.2', 'CC7.3'],
    category: 'security',
    severity: 'SEV3',
    dedupKey: 'identity.new-country-signin:user:alice@example.com',
    entity: { type: 'user', id: 'alice@example.com' },
    ownerKey: 'identity.new-country-signin',
    firstEventAt: at,
    detectedAt: '2026-11-19T08:00:05.000Z',
    evidence: [
      { eventId: 'cloudflare:cf-login-1', topic: 'vigil.events', partition: 0, offset: '7', time: at },
    ],
    payloads: [],
  });
}

/** Clicks an export link and reads the file the browser saved. */
async function follow(page: Page, name: string): Promise<{ file: string; text: string }> {
  const [saved] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('a.export', { hasText: name }).click(),
  ]);
  const where = await saved.path();
  return { file: saved.suggestedFilename(), text: readFileSync(where, 'utf8') };
}

describe('dashboard: the vendor CUEC report in a real browser', () => {
  test(
    'an auditor loads the CUEC report of the period, opens its exception incident, and saves its CSV, JSON and text',
    { timeout: 120_000 },
    async ({ database }) => {
      await migrate(database.pool);
      const clock = new ManualClock(Date.parse('2026-11-19T08:00:05.000Z'));
      const store = new PgIncidentStore({ pool: database.pool, clock, logger: silentLogger });
      await store.applyDetection(newCountrySignIn());
      clock.set('2026-11-20T12:00:00.000Z');
      const app = buildApiServer({
        store,
        logger: silentLogger,
        tokens: [
          { name: 'ext-auditor', role: 'auditor', sha256: hashToken(AUDITOR) },
          { name: 'dash-viewer', role: 'viewer', sha256: hashToken(VIEWER) },
        ],
        // The dashboard's first view is availability: one service behind the Cloudflare zone.
        availability: {
          store: new PgAvailabilityStore({ pool: database.pool, clock, logger: silentLogger }),
          services: parseServicesText(
            'services:\n  www: { name: Website, commitment: 99.9 }\n',
            'services.yaml',
          ),
          clock,
        },
        vendors: { pool: database.pool, vendors: parseVendorsConfig(VENDORS, 'vendors.yaml'), clock },
      });
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        const context = await browser.newContext({
          acceptDownloads: true,
          viewport: { width: 1280, height: 900 },
        });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));

        await page.goto(`${base}/dashboard`);
        await signIn(page, AUDITOR);
        await page.locator('#views button[data-view="auditor"]').click();
        await expect.poll(() => page.locator('#population tbody tr[data-incident]').count()).toBe(1);

        // The CUEC report of the same period: CF-2FA operated, CF-NOTIFY did not (the vendor was never told).
        await page.locator('#cuec-load').click();
        await expect
          .poll(() => page.locator('#cuec-note').textContent())
          .toBe('1 of 2 controls operated all period; 1 exception incident of the 1 in the population.');
        const rows = page.locator('#cuecs tbody tr');
        expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-cuec')))).toEqual([
          'CF-2FA',
          'CF-NOTIFY',
        ]);
        expect(await page.locator('tr[data-cuec="CF-2FA"] .badge').textContent()).toBe('operated');
        expect(await page.locator('tr[data-cuec="CF-NOTIFY"] .badge').getAttribute('data-status')).toBe(
          'not-operated',
        );
        expect(await page.locator('tr[data-cuec="CF-NOTIFY"]').textContent()).toContain(
          'identity.new-country-signin, vendor-notification',
        );
        const exceptions = page.locator('#cuec-exceptions tbody tr[data-incident]');
        // One incident, two reasons: its rule is CF-NOTIFY's, and Cloudflare was not told within 240 minutes.
        expect(
          await exceptions.evaluateAll((trs) =>
            trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent)),
          ),
        ).toEqual([
          ['INC-1', 'CF-NOTIFY', 'incident', 'identity.new-country-signin'],
          ['INC-1', 'CF-NOTIFY', 'vendor not notified', 'identity.new-country-signin'],
        ]);
        expect(await page.locator('tr[data-cuec="CF-NOTIFY"] .badge').textContent()).toBe('2 exceptions');
        await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-cuec-report.png'), fullPage: true });

        // Each export link saves the report of the period picked, in its format.
        const csv = await follow(page, 'Vendor CUECs (CSV)');
        expect(csv.file).toBe('vigil-cuec-report-2026-11-01_2026-11-30.csv');
        expect(csv.text.split('\n')[0]).toContain('cuec');
        expect(csv.text).toContain('CF-NOTIFY');
        expect(csv.text).toContain('vendor-not-notified');
        const json = await follow(page, 'Vendor CUECs (JSON)');
        expect(json.file).toBe('vigil-cuec-report-2026-11-01_2026-11-30.json');
        const report = JSON.parse(json.text) as {
          period: { from: string; to: string };
          cuecs: Array<{ id: string; operated: boolean }>;
        };
        expect(report.period).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
        expect(report.cuecs.map((c) => [c.id, c.operated])).toEqual([
          ['CF-2FA', true],
          ['CF-NOTIFY', false],
        ]);
        const text = await follow(page, 'Vendor CUECs (text)');
        expect(text.text).toContain('CF-NOTIFY');
        expect(await page.locator('#audit-note').textContent()).toBe('Saved the cuec-report export (TEXT).');

        // The exception opens its incident.
        await exceptions.first().click();
        await expect
          .poll(() => page.locator('#detail-title').textContent())
          .toBe('INC-1 · Sign-in from a new country for alice@example.com: RO');
        expect(page.url()).toMatch(/\/dashboard\/incidents\//);
        expect(problems).toEqual([]);

        // A viewer is told the report needs an auditor token (the 403 is the one console error).
        const viewerPage = await context.newPage();
        await viewerPage.goto(`${base}/dashboard`);
        await viewerPage.evaluate('sessionStorage.clear()');
        await viewerPage.reload();
        await signIn(viewerPage, VIEWER);
        await viewerPage.locator('#views button[data-view="auditor"]').click();
        await viewerPage.locator('#cuec-load').click();
        await expect
          .poll(() => viewerPage.locator('#cuec-note').textContent())
          .toBe('The CUEC report needs an auditor or admin token.');
        expect(await viewerPage.locator('#cuecs tbody tr').count()).toBe(0);
      } finally {
        await browser?.close();
        await app.close();
      }
    },
  );
});
