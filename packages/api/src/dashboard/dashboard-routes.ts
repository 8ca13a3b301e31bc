import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';

const ASSETS = new URL('./assets/', import.meta.url);

/**
 * The page only ever talks to this server, runs only its own script file and its own style sheet, and cannot
 * be framed. No inline script or style is allowed, so an incident title that slipped through as markup
 * still could not run.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  path: string;
  file: string;
  type: string;
}

/** The script is split into modules, which the page's entry module imports from here. */
const SCRIPT_MODULES = [
  'dashboard.js',
  'api-client.js',
  'dom.js',
  'format.js',
  'sre-view.js',
  'service-card.js',
  'availability-chart.js',
  'incident-detail.js',
  'incident-actions.js',
  'auditor-view.js',
  'cuec-view.js',
];

export const DASHBOARD_ASSETS: readonly Asset[] = [
  { path: '/dashboard', file: 'dashboard.html', type: 'text/html; charset=utf-8' },
  { path: '/dashboard/dashboard.css', file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  ...SCRIPT_MODULES.map((file) => ({
    path: `/dashboard/${file}`,
    file,
    type: 'text/javascript; charset=utf-8',
  })),
];

/**
 * The dashboard: one HTML page, its script modules and one style sheet, read once when the server is built.
 * They are public (they hold no data); every figure on the page comes from the API with the token the
 * person enters.
 */
export function registerDashboardRoutes(app: FastifyInstance): void {
  for (const asset of DASHBOARD_ASSETS) {
    const body = readFileSync(new URL(asset.file, ASSETS), 'utf8');
    const openapi = {
      summary: asset.file === 'dashboard.html' ? 'The dashboard page' : `Dashboard asset ${asset.file}`,
      tags: ['dashboard'],
      security: [],
      responses: { 200: { description: 'Static; holds no data', contentType: asset.type.split(';')[0]! } },
    };
    app.get(asset.path, { config: { access: 'public', openapi } }, async (_request, reply) =>
      securityHeaders(reply).header('content-type', asset.type).send(body),
    );
  }
  // An incident has its own address (/dashboard/incidents/<id>): the same page, which opens that incident.
  const page = readFileSync(new URL('dashboard.html', ASSETS), 'utf8');
  const incidentPage = {
    summary: 'The dashboard page, opened on one incident',
    tags: ['dashboard'],
    security: [],
    responses: {
      200: {
        description: 'Static; the page loads the incident with the token entered',
        contentType: 'text/html',
      },
    },
  };
  app.get(
    '/dashboard/incidents/:id',
    { config: { access: 'public', openapi: incidentPage } },
    async (_request, reply) =>
      securityHeaders(reply).header('content-type', 'text/html; charset=utf-8').send(page),
  );
  const root = {
    summary: 'Redirects to the dashboard',
    tags: ['dashboard'],
    security: [],
    responses: { 302: { description: 'Location: /dashboard' } },
  };
  app.get('/', { config: { access: 'public', openapi: root } }, async (_request, reply) =>
    securityHeaders(reply).redirect('/dashboard', 302),
  );
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cache-control', 'no-cache');
}
