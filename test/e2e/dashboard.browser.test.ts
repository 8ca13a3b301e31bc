import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { buildApiServer, hashToken, parseServicesText } from '@vigil/api';
import { migrate, PgAvailabilityStore, PgIncidentStore, recordChecks } from '@vigil/incidents';
import { ManualClock } from '@vigil/runtime';
import type { Detection } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../fixtures/services';
import { ARTIFACTS, detection, launchChromium, outage, signIn } from './dashboard-browser-helpers';

const VIEWER_TOKEN = 'dashboard-viewer-3f9a1c7e52';
const RESPONDER_TOKEN = 'dashboard-responder-8b2e4d6a10';
const SERVICES = `
services:
  checkout: { name: Checkout, owner: payments-sre, commitment: 99.9, slo: 99.95 }
  search: { name: Search, commitment: 99.0 }
  api.example.com: { name: Public API, commitment: 99.5 }
`;

describe('dashboard in a real browser', () => {
  test(
    'signs in with a token, shows availability and incidents from the register, and an incident timeline',
    { timeout: 120_000 },
    async ({ database }) => {
      // A register on real PostgreSQL, on 20 November 2026 at noon:
      //   checkout  down Nov 10 10:00 – 11:00, maintenance declared 10:30 – 10:45 → 45 min count
      //   search    down since 11:00 today, still down                       → 1 h so far
      //   a brute-force incident, open
      await migrate(database.pool);
      const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
      const store = new PgIncidentStore({ pool: database.pool, clock, logger: silentLogger });
      // Each detection is recorded when it was made, as the alerter would have.
      const apply = async (d: Detection) => {
        clock.set(d.detectedAt);
        await store.applyDetection(d);
      };
      for (const d of outage('checkout', 'co', '2026-11-10T10:00:00.000Z', 3600)) await apply(d);
      await apply(
        detection({
          id: 'bf-1',
          ruleId: 'identity.brute-force',
          ruleVersion: 1,
          status: 'firing',
          title: 'Brute force against mallory@example.com',
          summary: '12 failed sign-ins in 10 minutes',
          criteria: ['CC7.2', 'CC7.3'],
          category: 'security',
          dedupKey: 'identity.brute-force:user:mallory@example.com',
          entity: { type: 'user', id: 'mallory@example.com' },
          ownerKey: 'okta',
          firstEventAt: '2026-11-19T08:00:00.000Z',
          detectedAt: '2026-11-19T08:10:00.000Z',
        }),
      );
      for (const d of outage('search', 'se', '2026-11-20T11:00:00.000Z')) await apply(d);
      // checkout and search were checked every five minutes all month; api.example.com never was.
      const everyFiveMinutes = (service: string) =>
        Array.from({ length: (19.5 * 86_400) / 300 + 1 }, (_, i) => ({
          service,
          at: Date.parse('2026-11-01T00:00:00.000Z') + i * 300_000,
        }));
      await recordChecks(
        database.pool,
        [...everyFiveMinutes('checkout'), ...everyFiveMinutes('search')],
        600_000,
      );

      const app: FastifyInstance = buildApiServer({
        store,
        logger: silentLogger,
        tokens: [
          { name: 'dash-viewer', role: 'viewer', sha256: hashToken(VIEWER_TOKEN) },
          { name: 'sre-oncall', role: 'responder', sha256: hashToken(RESPONDER_TOKEN) },
        ],
        availability: {
          store: new PgAvailabilityStore({ pool: database.pool, clock, logger: silentLogger }),
          services: parseServicesText(SERVICES, 'services.yaml'),
          clock,
        },
      });
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      let browser: Browser | undefined;
      try {
        // The maintenance window goes in the way an SRE would declare it: the day before.
        clock.set('2026-11-09T09:00:00.000Z');
        const declared = await fetch(`${base}/v1/availability/maintenance`, {
          method: 'POST',
          headers: { authorization: `Bearer ${RESPONDER_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            service: 'checkout',
            startsAt: '2026-11-10T10:30:00.000Z',
            endsAt: '2026-11-10T10:45:00.000Z',
            reason: 'failover drill, CHG-4711',
          }),
        });
        expect(declared.status).toBe(201);
        clock.set('2026-11-20T12:00:00.000Z');

        browser = await launchChromium();
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));
        mkdirSync(ARTIFACTS, { recursive: true });

        await page.goto(`${base}/`);
        expect(page.url()).toBe(`${base}/dashboard`);
        await expect.poll(() => page.locator('#sign-in').isVisible()).toBe(true);

        // A wrong token is refused and forgotten.
        await signIn(page, 'not-a-valid-token');
        await expect.poll(() => page.locator('#sign-in-error').textContent()).toContain('not accepted');
        expect(await page.evaluate<string | null>("sessionStorage.getItem('vigil.apiToken')")).toBeNull();

        await signIn(page, VIEWER_TOKEN);
        const checkout = page.locator('[data-service="checkout"]');
        // (19.5 days − 15 min maintenance − 45 min down) / (19.5 days − 15 min), cut to three decimals.
        await expect
          .poll(() => checkout.locator('[data-figure="availability"]').textContent())
          .toBe('99.839 %');
        expect(await checkout.locator('.target').textContent()).toBe('commitment 99.9 % · SLO 99.95 %');
        expect(await checkout.locator('[data-figure="coverage"]').textContent()).toContain('down 45 min');
        expect(await checkout.locator('[data-figure="coverage"]').textContent()).toContain('no evidence 0 s');
        expect(await page.locator('[data-service="search"] [data-figure="availability"]').textContent()).toBe(
          '99.786 %',
        );
        // Never checked: no figure, and "not evidenced", never "within commitment".
        const unchecked = page.locator('[data-service="api.example.com"]');
        expect(await unchecked.locator('[data-figure="availability"]').textContent()).toBe('—');
        expect(await unchecked.locator('.badge').getAttribute('data-status')).toBe('not-evidenced');
        expect(await unchecked.locator('[data-figure="coverage"]').textContent()).toContain(
          'coverage 0.000 %',
        );
        expect(await page.locator('#month').inputValue()).toBe('2026-11');
        // A bar for each day measured so far; the outage day is below the commitment, and the only one.
        expect(await checkout.locator('svg.chart rect[data-date]').count()).toBe(20);
        expect(
          await checkout
            .locator('svg.chart rect.bar-bad')
            .evaluateAll((bars) => bars.map((b) => b.getAttribute('data-date'))),
        ).toEqual(['2026-11-10']);

        const downtimeRow = page.locator('#downtime-incidents tbody tr', { hasText: 'INC-1' });
        expect(await downtimeRow.textContent()).toContain('Service checkout is down');
        expect(await downtimeRow.textContent()).toContain('45 min');
        expect(await page.locator('#maintenance tbody tr').allTextContents()).toEqual([
          expect.stringContaining('failover drill, CHG-4711'),
        ]);
        expect(await page.locator('#maintenance tbody tr').textContent()).toContain('api:sre-oncall');
        const openRows = page.locator('#open-incidents tbody tr');
        expect(await openRows.count()).toBe(2);
        expect(await openRows.allTextContents()).toEqual([
          expect.stringContaining('Brute force against mallory@example.com'),
          expect.stringContaining('Service search is down'),
        ]);
        await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-overview.png'), fullPage: true });

        await downtimeRow.click();
        const detail = page.locator('#incident-view');
        await expect.poll(() => detail.isVisible()).toBe(true);
        await expect
          .poll(() => page.locator('#detail-title').textContent())
          .toBe('INC-1 · Service checkout is down');
        expect(
          await page
            .locator('#timeline li')
            .evaluateAll((items) => items.map((li) => li.getAttribute('data-kind'))),
        ).toEqual(['detected', 'resolved']);
        expect(await page.locator('#timeline li[data-kind="resolved"]').textContent()).toContain(
          'downtime 1 h',
        );
        expect(await page.locator('#timeline li[data-kind="detected"]').textContent()).toContain(
          'by vigil:availability.service-down',
        );
        // The evidence: each event kept whole, its hash whole, markup in a payload shown as text.
        expect(await page.locator('#evidence-summary').textContent()).toBe(
          '2 events behind this incident: 2 kept whole, 0 purged on record, 0 by stream position only.',
        );
        const kept = page.locator('#evidence li[data-evidence="kept"]');
        expect(await kept.count()).toBe(2);
        await kept.first().locator('summary').click();
        expect(await kept.first().locator('pre.payload').textContent()).toContain(
          '"body": "<script>alert(1)</script>"',
        );
        expect(await kept.first().locator('.hash').textContent()).toMatch(/^sha256 [0-9a-f]{64}$/);
        expect(await page.locator('#timeline li .hash').first().textContent()).toMatch(/^hash [0-9a-f]{64}$/);
        await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-incident.png'), fullPage: true });

        await page.locator('#views button[data-view="auditor"]').click();
        await expect.poll(() => page.locator('#population tbody tr[data-incident]').count()).toBe(3);
        expect(await page.locator('#audit-from').inputValue()).toBe('2026-11-01');
        expect(await page.locator('#audit-to').inputValue()).toBe('2026-11-30');
        const period = 'from=2026-11-01T00%3A00%3A00.000Z&to=2026-12-01T00%3A00%3A00.000Z';
        expect(
          await page.locator('a.export').evaluateAll((links) => links.map((a) => a.getAttribute('href'))),
        ).toEqual([
          `/v1/audit/population?${period}&format=csv`,
          `/v1/audit/population?${period}&format=json`,
          `/v1/audit/summary?${period}`,
          `/v1/audit/report?${period}`,
          `/v1/vendors/cuec-report?${period}&format=csv`,
          `/v1/vendors/cuec-report?${period}&format=text`,
          `/v1/vendors/cuec-report?${period}&format=json`,
        ]);
        await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-auditor.png'), fullPage: true });

        // The token lives in this tab's session storage only, never in the URL or local storage.
        expect(await page.evaluate<string | null>("sessionStorage.getItem('vigil.apiToken')")).toBe(
          VIEWER_TOKEN,
        );
        expect(await page.evaluate<number>('localStorage.length')).toBe(0);
        expect(page.url()).not.toContain(VIEWER_TOKEN);
        // No script error and no Content-Security-Policy violation (Chromium reports those on the console).
        // The refused sign-in above logs its 401, which is expected.
        expect(problems.filter((text) => !text.includes('401'))).toEqual([]);

        // The printable report, opened as a browser opens it: its own style block passes its CSP, nothing else.
        const reportPage = await browser.newPage({
          extraHTTPHeaders: { authorization: `Bearer ${VIEWER_TOKEN}` },
        });
        const reportProblems: string[] = [];
        reportPage.on('console', (message) => reportProblems.push(message.text()));
        await reportPage.goto(`${base}/v1/availability/report?month=2026-11&format=html`);
        expect(await reportPage.locator('h1').textContent()).toBe('Availability report — November 2026');
        // 1.6rem from the report's style block (a blocked style would leave the default 32px).
        expect(
          await reportPage.evaluate<string>("getComputedStyle(document.querySelector('h1')).fontSize"),
        ).toBe('25.6px');
        expect(await reportPage.locator('body').textContent()).toContain('99.839 %');
        await reportPage.screenshot({ path: path.join(ARTIFACTS, 'dashboard-report.png'), fullPage: true });
        expect(reportProblems).toEqual([]);
      } finally {
        await browser?.close();
        await app.close();
      }
    },
  );
});
