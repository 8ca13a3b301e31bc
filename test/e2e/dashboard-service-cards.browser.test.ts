import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Locator } from 'playwright-core';
import { buildApiServer, hashToken, parseServicesText } from '@vigil/api';
import { migrate, PgAvailabilityStore, PgIncidentStore, recordChecks } from '@vigil/incidents';
import { ManualClock } from '@vigil/runtime';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../fixtures/services';
import { ARTIFACTS, launchChromium, outage, signIn } from './dashboard-browser-helpers';

const TOKEN = 'service-cards-viewer-6c1d9e2b47';
const SERVICES = `
services:
  checkout: { name: Checkout, commitment: 99.9 }
  search: { name: "Search <b>beta</b>", commitment: 99.0 }
  ledger: { name: Ledger, commitment: 99.5 }
`;
const GREEN = 'rgb(26, 127, 55)';

/** The text colour Chromium renders (the tests' types have no DOM library, so the browser's global is typed here). */
const colourOf = (locator: Locator) =>
  locator.evaluate(
    (node) =>
      (globalThis as unknown as { getComputedStyle(n: unknown): { color: string } }).getComputedStyle(node)
        .color,
  );

interface Availability {
  downtimeSeconds: number;
  incidents: Array<{ ref: string; downtimeSeconds: number; downtimeSecondsInPeriod: number }>;
}

describe('dashboard service cards in a real browser', () => {
  test(
    'say what each number is, never look "above commitment" below it, and agree on downtime with the incident and the report',
    { timeout: 120_000 },
    async ({ database }) => {
      // 3 November 2026, 00:00 UTC. Checked every minute since the month began.
      //   checkout (99.9 %): down Nov 2 09:00 – 09:04 and 09:30 – 09:34: two outages, one incident (reopened).
      //     480 s down in 172,800 s: 99.722 % so far, under 99.9 %, though only 480 of the month's 2,592 s
      //     of budget are used. At that pace (15 × 480 s by the 30th): 99.722 % at the end of the month.
      //   search (99 %): never down. ledger (99.5 %): never checked.
      await migrate(database.pool);
      const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
      const store = new PgIncidentStore({ pool: database.pool, clock, logger: silentLogger });
      const detections = [
        ...outage('checkout', 'co1', '2026-11-02T09:00:00.000Z', 240),
        ...outage('checkout', 'co2', '2026-11-02T09:30:00.000Z', 240),
      ];
      for (const d of detections) {
        clock.set(d.detectedAt);
        await store.applyDetection(d);
      }
      const everyMinute = (service: string) =>
        Array.from({ length: 2 * 1440 + 1 }, (_, i) => ({
          service,
          at: Date.parse('2026-11-01T00:00:00.000Z') + i * 60_000,
        }));
      await recordChecks(database.pool, [...everyMinute('checkout'), ...everyMinute('search')], 300_000);
      clock.set('2026-11-03T00:00:00.000Z');

      const app: FastifyInstance = buildApiServer({
        store,
        logger: silentLogger,
        tokens: [{ name: 'cards-viewer', role: 'viewer', sha256: hashToken(TOKEN) }],
        availability: {
          store: new PgAvailabilityStore({ pool: database.pool, clock, logger: silentLogger }),
          services: parseServicesText(SERVICES, 'services.yaml'),
          clock,
        },
      });
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      const get = async <T>(route: string): Promise<T> => {
        const response = await fetch(`${base}${route}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(response.status).toBe(200);
        return (await response.json()) as T;
      };
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        const problems: string[] = [];
        page.on('pageerror', (error) => problems.push(error.message));
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(message.text());
        });
        await page.goto(`${base}/dashboard`);
        await signIn(page, TOKEN);

        const checkout = page.locator('[data-service="checkout"]');
        await expect
          .poll(() => checkout.locator('[data-figure="availability"]').textContent())
          .toBe('99.722 %');
        expect(await checkout.locator('[data-label="availability"]').textContent()).toBe(
          'Availability, month to date (up to 2026-11-03 00:00 UTC)',
        );
        // The badge and the figure say "below", in amber, though the budget is not spent.
        const badge = checkout.locator('.badge');
        expect(await badge.textContent()).toBe('below commitment');
        expect(await badge.getAttribute('data-standing')).toBe('below-target');
        const colour = (selector: string) => colourOf(checkout.locator(selector));
        expect(await colour('.badge')).not.toBe(GREEN);
        expect(await colour('[data-figure="availability"]')).not.toBe(GREEN);
        expect(await checkout.locator('.budget-used').getAttribute('class')).toBe('budget-used warn');
        expect(await checkout.locator('[data-figure="budget"]').textContent()).toBe(
          'Error budget for the period (43 min 12 s allowed): used 8 min (19 %), left 35 min 12 s · burn rate 2.78×',
        );
        expect(await checkout.locator('[data-figure="projection"]').textContent()).toBe(
          'End of period at the current burn (2.78×): 99.722 %, below the commitment · ' +
            'with no further downtime: 99.981 %',
        );
        expect(await checkout.locator('[data-figure="coverage"]').textContent()).toContain('down 8 min');

        // Above its commitment so far: green, and saying so. The name is shown as text, never as markup.
        const search = page.locator('[data-service="search"]');
        expect(await search.locator('h3').textContent()).toBe('Search <b>beta</b>');
        expect(await search.locator('h3 b').count()).toBe(0);
        expect(await search.locator('.badge').textContent()).toBe('on track: above commitment');
        expect(await colourOf(search.locator('.badge'))).toBe(GREEN);
        expect(await search.locator('[data-figure="projection"]').textContent()).toContain(
          '100.000 %, within the commitment',
        );
        // Never checked: no figure and no green.
        const ledger = page.locator('[data-service="ledger"]');
        expect(await ledger.locator('[data-figure="availability"]').textContent()).toBe('—');
        expect(await ledger.locator('.badge').textContent()).toBe('not evidenced: too little monitored');
        expect(await colourOf(ledger.locator('.badge'))).not.toBe(GREEN);
        expect(await ledger.locator('[data-figure="projection"]').textContent()).toBe(
          'No projection: nothing monitored so far.',
        );

        // The same downtime everywhere: two outages of 240 s, one incident, 480 s; the 26 minutes between
        // them were up. Dashboard rows, the incident record, the availability API, the printable report.
        const rows = page.locator('#downtime-incidents tbody tr');
        expect(await rows.allTextContents()).toEqual([
          expect.stringMatching(/^INC-1Checkout.*4 min$/),
          expect.stringMatching(/^INC-1Checkout.*4 min$/),
        ]);
        const api = await get<{ availability: Availability }>('/v1/availability/checkout?month=2026-11');
        expect(api.availability.downtimeSeconds).toBe(480);
        expect(api.availability.incidents.map((i) => [i.ref, i.downtimeSeconds])).toEqual([
          ['INC-1', 240],
          ['INC-1', 240],
        ]);
        const listed = await get<{ incidents: Array<{ id: string; downtimeSeconds: number | null }> }>(
          '/v1/incidents?limit=10',
        );
        expect(listed.incidents.map((i) => i.downtimeSeconds)).toEqual([480]);
        const report = await fetch(`${base}/v1/availability/report?month=2026-11&format=html`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        }).then((response) => response.text());
        expect(report).toContain(
          '− downtime (measured outages outside maintenance)</td><td class="num">480 s',
        );
        expect(report.match(/<td class="num">240 s<\/td>\n<td class="num">240 s<\/td>/g)).toHaveLength(2);
        expect(report).toContain('below the target (budget not spent)');
        expect(report).toContain('End of the period at the current burn: 99.722 %');

        mkdirSync(ARTIFACTS, { recursive: true });
        await page
          .locator('#services')
          .screenshot({ path: path.join(ARTIFACTS, 'dashboard-service-cards.png') });

        // A finished month: the figure is final, with no projection.
        await page.locator('#month').fill('2026-10');
        await page.locator('#month').dispatchEvent('change');
        await expect
          .poll(() => checkout.locator('[data-label="availability"]').textContent())
          .toBe('Availability, whole period (2026-10-01 to 2026-11-01, end excluded)');
        expect(await checkout.locator('[data-figure="projection"]').textContent()).toBe(
          'Period ended: the figure above is final.',
        );
        expect(await checkout.locator('.badge').getAttribute('data-standing')).toBe('not-evidenced');
        expect(problems).toEqual([]);
      } finally {
        await browser?.close();
        await app.close();
      }
    },
  );
});
