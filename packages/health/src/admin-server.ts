import type { Logger } from '@vigil/telemetry';
import Fastify from 'fastify';
import { registerHealthRoutes } from './health-routes';
import type { VigilMetrics } from './metrics';
import type { ReadinessCheck } from './readiness';

export interface AdminServerOptions {
  port: number;
  host: string;
  metrics: VigilMetrics;
  checks: readonly ReadinessCheck[];
  logger: Logger;
}

export interface AdminServer {
  url: string;
  stop(): Promise<void>;
}

/** The small HTTP port of the services without one of their own (detector, alerter): health and metrics only. */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const app = Fastify({ logger: false });
  registerHealthRoutes(app, { metrics: options.metrics, checks: options.checks });
  const url = await app.listen({ port: options.port, host: options.host });
  options.logger.info({ url }, 'admin port listening (/livez, /readyz, /metrics)');
  let stopping: Promise<void> | undefined;
  return { url, stop: () => (stopping ??= app.close()) };
}
