import type { Bus } from '@vigil/bus';
import type { Clock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import { buildIngestServer, loadProberConfig, loadSourcesConfig, startOktaPoller, startProber } from '@vigil/sources';
import type { Logger } from '@vigil/telemetry';
import pg from 'pg';
import type { IngestConfig } from './config';
import { orderedStop, type RunningService } from './running-service';

/**
 * Ingest on a started bus: the HTTP server, and — when configured — the prober and the Okta System
 * Log poller. The bus is the caller's: it may be shared with other services.
 */
export async function startIngest(
  config: IngestConfig,
  deps: { bus: Bus; logger: Logger; clock: Clock; env: NodeJS.ProcessEnv },
): Promise<RunningService> {
  const logger = deps.logger.child({ service: 'ingest' });
  const topics = topicNames(config.TOPIC_PREFIX);
  const sources = loadSourcesConfig(config.SOURCES_FILE, deps.env);
  const checks = config.PROBER_FILE ? loadProberConfig(config.PROBER_FILE) : [];
  const steps: Array<() => Promise<unknown>> = [];

  const server = buildIngestServer({ bus: deps.bus, topics, sources, logger, clock: deps.clock, bodyLimit: config.INGEST_BODY_LIMIT });
  const url = await server.listen({ port: config.INGEST_PORT, host: config.INGEST_HOST });
  steps.push(() => server.close());
  logger.info({ url, sources: sources.map((s) => `${s.name} (${s.format})`) }, 'ingest listening');

  if (checks.length > 0) {
    const prober = startProber({ bus: deps.bus, topics, checks, logger, clock: deps.clock, region: config.PROBER_REGION });
    steps.push(() => prober.stop());
    logger.info({ checks: checks.length, region: config.PROBER_REGION }, 'prober running');
  }
  if (config.OKTA_ORG_URL && config.OKTA_API_TOKEN) {
    const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 2 });
    pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
    const poller = startOktaPoller({
      bus: deps.bus,
      topics,
      pool,
      orgUrl: config.OKTA_ORG_URL,
      token: config.OKTA_API_TOKEN,
      logger,
      clock: deps.clock,
      pollIntervalMs: config.OKTA_POLL_INTERVAL_MS,
      sourceName: 'okta',
    });
    steps.push(() => poller.stop(), () => pool.end());
    logger.info({ org: config.OKTA_ORG_URL }, 'Okta System Log poller running');
  }
  return { name: 'ingest', url, stop: orderedStop(steps) };
}
