import { describe, expect, test } from '../../../../test/fixtures/services';
import { TOKENS } from '../api-test-helpers';
import { availabilityApiOver } from '../availability/availability-test-helpers';
import { DASHBOARD_ASSETS, DASHBOARD_CSP } from './dashboard-routes';

describe('dashboard', () => {
  test('/ leads to the page; the page, its script and style are public and locked down by CSP', async ({
    database,
  }) => {
    const { app } = await availabilityApiOver(database.pool);
    const root = await app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/dashboard');

    const page = await app.inject({ method: 'GET', url: '/dashboard' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    // Scripts only by src, no inline handlers or styles, and nothing from another origin.
    const scripts = page.body.match(/<script[^>]*>/g) ?? [];
    expect(scripts).toEqual(['<script type="module" src="/dashboard/dashboard.js">']);
    expect(page.body).not.toMatch(/\son[a-z]+=|style=|https?:\/\//);
    expect(page.body).toContain('id="token"');

    for (const asset of DASHBOARD_ASSETS.filter((a) => a.file.endsWith('.js'))) {
      const script = await app.inject({ method: 'GET', url: asset.path });
      expect(script.statusCode, asset.path).toBe(200);
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(script.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      // Data goes into the page as text only.
      expect(script.body, asset.path).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/,
      );
      // Every module the page imports is served.
      for (const [, imported] of script.body.matchAll(/from '\.\/([\w-]+\.js)'/g)) {
        expect(
          DASHBOARD_ASSETS.map((a) => a.file),
          `${asset.file} imports ${imported}`,
        ).toContain(imported);
      }
    }
    const client = await app.inject({ method: 'GET', url: '/dashboard/api-client.js' });
    expect(client.body).toContain('sessionStorage.getItem(TOKEN_KEY)');
    expect(client.body).toContain('authorization: `Bearer ${token}`');
    const style = await app.inject({ method: 'GET', url: '/dashboard/dashboard.css' });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');

    // The page is public; the data behind it is not.
    expect((await app.inject({ method: 'GET', url: '/v1/availability' })).statusCode).toBe(401);

    // An incident's own address is the same page, with the same headers; the page loads the incident.
    const incidentPage = await app.inject({
      method: 'GET',
      url: '/dashboard/incidents/0b9a9b2e-5b1f-4c7e-9a51-3f0d2f6f7c11',
    });
    expect(incidentPage.statusCode).toBe(200);
    expect(incidentPage.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(incidentPage.body).toBe(page.body);
  });

  test('GET /v1/token names the holder and what the role may do; no token, no answer', async ({ database }) => {
    const { app } = await availabilityApiOver(database.pool);
    const as = async (role: keyof typeof TOKENS) =>
      (await app.inject({ method: 'GET', url: '/v1/token', headers: { authorization: `Bearer ${TOKENS[role]}` } })).json();
    expect(await as('viewer')).toEqual({ name: 'viewer-user', role: 'viewer', may: { act: false, audit: false } });
    expect(await as('responder')).toEqual({ name: 'responder-user', role: 'responder', may: { act: true, audit: false } });
    expect(await as('auditor')).toEqual({ name: 'auditor-user', role: 'auditor', may: { act: false, audit: true } });
    expect(await as('admin')).toEqual({ name: 'admin-user', role: 'admin', may: { act: true, audit: true } });
    const anonymous = await app.inject({ method: 'GET', url: '/v1/token' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).not.toContain('viewer-user');
  });
});
