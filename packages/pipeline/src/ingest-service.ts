import type { Bus } from '@vigil/bus';
import { kafkaCheck, postgresCheck, type ReadinessCheck, type VigilMetrics } from '@vigil/health';
import type { Clock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import {
  buildIngestServer,
  loadIpCountryFile,
  loadProberConfig,
  loadSourcesConfig,
  startCloudflarePoller,
  startOktaPoller,
  startProber,
} from '@vigil/sources';
import type { Logger } from '@vigil/telemetry';
import pg from 'pg';
import type { IngestConfig } from './config';
import { orderedStop, type RunningService } from './running-service';
import { createOffsetsReader } from './service-bus';

/**
 * Ingest on a started bus: the HTTP server, and — when configured — the prober, the Okta System Log
 * poller and the Cloudflare audit log poller. The bus is the caller's: it may be shared with other services.
 */
export async function startIngest(
  config: IngestConfig,
  deps: { bus: Bus; logger: Logger; clock: Clock; env: NodeJS.ProcessEnv; metrics: VigilMetrics },
): Promise<RunningService> {
  const logger = deps.logger.child({ service: 'ingest' });
  const topics = topicNames(config.TOPIC_PREFIX);
  const sources = loadSourcesConfig(config.SOURCES_FILE, deps.env);
  const checks = config.PROBER_FILE ? loadProberConfig(config.PROBER_FILE) : [];
  const countryOf = config.GEOIP_COUNTRY_FILE ? loadIpCountryFile(config.GEOIP_COUNTRY_FILE) : undefined;
  const steps: Array<() => Promise<unknown>> = [];

  const readiness: ReadinessCheck[] = [];
  const offsets = createOffsetsReader(config, { service: 'ingest', logger });
  if (offsets) readiness.push(kafkaCheck(offsets, topics.events));
  const server = buildIngestServer({
    bus: deps.bus,
    topics,
    sources,
    logger,
    clock: deps.clock,
    bodyLimit: config.INGEST_BODY_LIMIT,
    metrics: deps.metrics,
    readiness,
    ...(countryOf ? { countryOf } : {}),
  });
  const url = await server.listen({ port: config.INGEST_PORT, host: config.INGEST_HOST });
  steps.push(
    () => server.close(),
    async () => offsets?.stop(),
  );
  logger.info({ url, sources: sources.map((s) => `${s.name} (${s.format})`) }, 'ingest listening');

  if (checks.length > 0) {
    const prober = startProber({
      bus: deps.bus,
      topics,
      checks,
      logger,
      clock: deps.clock,
      region: config.PROBER_REGION,
    });
    steps.push(() => prober.stop());
    logger.info({ checks: checks.length, region: config.PROBER_REGION }, 'prober running');
  }
  const polling = Boolean(
    (config.OKTA_ORG_URL && config.OKTA_API_TOKEN) ||
    (config.CLOUDFLARE_ACCOUNT_ID && config.CLOUDFLARE_API_TOKEN),
  );
  if (polling) {
    // One small pool for the pollers' cursors, ended after every poller stopped.
    const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 2 });
    pool.on('error', (error) => {
      deps.metrics.dependencyError('postgres', 'connection');
      logger.warn({ err: error }, 'idle PostgreSQL connection failed');
    });
    readiness.push(postgresCheck(pool));
    const pollerSteps: Array<() => Promise<unknown>> = [];
    if (config.OKTA_ORG_URL && config.OKTA_API_TOKEN) {
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
      pollerSteps.push(() => poller.stop());
      logger.info({ org: config.OKTA_ORG_URL }, 'Okta System Log poller running');
    }
    if (config.CLOUDFLARE_ACCOUNT_ID && config.CLOUDFLARE_API_TOKEN) {
      const poller = startCloudflarePoller({
        bus: deps.bus,
        topics,
        pool,
        apiUrl: config.CLOUDFLARE_API_URL,
        accountId: config.CLOUDFLARE_ACCOUNT_ID,
        token: config.CLOUDFLARE_API_TOKEN,
        version: config.CLOUDFLARE_AUDIT_API,
        logger,
        clock: deps.clock,
        pollIntervalMs: config.CLOUDFLARE_POLL_INTERVAL_MS,
        sourceName: config.CLOUDFLARE_SOURCE,
        ...(countryOf ? { countryOf } : {}),
      });
      pollerSteps.push(() => poller.stop());
      logger.info(
        { account: config.CLOUDFLARE_ACCOUNT_ID, api: config.CLOUDFLARE_AUDIT_API },
        'Cloudflare audit log poller running',
      );
    }
    steps.push(...pollerSteps, () => pool.end());
  }
  return { name: 'ingest', url, stop: orderedStop(steps) };
}
