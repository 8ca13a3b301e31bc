import type { FastifyInstance } from 'fastify';
import type { RouteDoc } from '@vigil/openapi';
import type { VigilMetrics } from './metrics';
import { checkReadiness, type ReadinessCheck } from './readiness';

export interface HealthRoutesOptions {
  /** Without metrics, no `/metrics` route. */
  metrics?: VigilMetrics;
  checks: readonly ReadinessCheck[];
  /** Route config every health route carries (the api marks them public). */
  routeConfig?: Record<string, unknown>;
}

/**
 * `/livez` (the process answers), `/readyz` (its dependencies answer; 503 naming the ones that do
 * not) and `/metrics` (Prometheus text). `/healthz` stays as an alias of `/livez` for old probes.
 */
export function registerHealthRoutes(app: FastifyInstance, options: HealthRoutesOptions): void {
  const config = (openapi: RouteDoc) => ({ ...options.routeConfig, openapi });
  const live = async () => ({ status: 'ok' });
  const liveDoc = { tags: ['health'], security: [], responses: { 200: { description: '`{"status":"ok"}`' } } };
  app.get('/livez', { config: config({ ...liveDoc, summary: 'Liveness: the process answers' }) }, live);
  app.get('/healthz', { config: config({ ...liveDoc, summary: 'Liveness (old name of /livez)' }) }, live);
  const readyDoc: RouteDoc = {
    summary: 'Readiness: every dependency this process needs answers',
    tags: ['health'],
    security: [],
    responses: {
      200: { description: '`{"status":"ready","checks":[…]}`' },
      503: { description: 'Not ready: `down` names the dependencies that do not answer; Retry-After is set' },
    },
  };
  app.get('/readyz', { config: config(readyDoc) }, async (_request, reply) => {
    const report = await checkReadiness(options.checks);
    if (report.ready) return reply.send({ status: 'ready', checks: report.checks });
    return reply.code(503).header('retry-after', '5').send({
      status: 'not_ready',
      down: report.down,
      checks: report.checks,
    });
  });
  const metrics = options.metrics;
  if (!metrics) return;
  const metricsDoc: RouteDoc = {
    summary: 'Prometheus metrics of this process',
    tags: ['health'],
    security: [],
    responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain; version=0.0.4' } },
  };
  app.get('/metrics', { config: config(metricsDoc) }, async (_request, reply) => {
    const text = await metrics.render();
    return reply.header('content-type', metrics.contentType).send(text);
  });
}
