import { readFileSync } from 'node:fs';
import { buildApiServer, DatabaseTokens, loadServicesFile } from '@vigil/api';
import { postgresCheck, redisCheck, type VigilMetrics } from '@vigil/health';
import { CheckpointLog, loadVendorsConfig, NO_SERVICES, PgAuditRegister, PgAvailabilityStore, PgIncidentStore, recordVendorNotification, vendorDutyOf, type VendorsConfig } from '@vigil/incidents';
import { buildSlackInteractionsRoute, createNotifier, createSlackInteractionClient, loadOwners, type VendorNotificationRecorder } from '@vigil/notify';
import type { Pool } from 'pg';
import type { Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { Redis } from 'ioredis';
import { parseApiTokens, type ApiConfig } from './config';
import { openRegister } from './register-pool';
import { orderedStop, type RunningService } from './running-service';

/**
 * The incidents API over the register, and Slack's interactivity endpoint when a signing secret is
 * configured. Actions taken through either queue their Slack updates on the alerter's notification
 * queue (enqueue only: the alerter's workers deliver them).
 */
export async function startApi(config: ApiConfig, deps: { logger: Logger; clock: Clock; metrics: VigilMetrics }): Promise<RunningService> {
  const logger = deps.logger.child({ service: 'api' });
  const owners = loadOwners(config.OWNERS_FILE);
  const services = config.SERVICES_FILE ? loadServicesFile(config.SERVICES_FILE) : NO_SERVICES;
  const vendors = loadVendorsConfig(config.VENDORS_FILE);
  const pool = await openRegister(config.DATABASE_URL, logger, 5);
  pool.on('error', () => deps.metrics.dependencyError('postgres', 'connection'));
  // Readiness pings Redis on its own connection: the notification queue's would queue the ping behind its work.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => deps.metrics.dependencyError('redis', 'connection'));
  const store = new PgIncidentStore({ pool, clock: deps.clock, logger });
  const slack = config.SLACK_BOT_TOKEN ? { token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL } : undefined;
  const notifier = createNotifier({
    connection: { url: config.REDIS_URL },
    queueName: config.NOTIFY_QUEUE,
    store,
    owners,
    slack,
    logger,
    clock: deps.clock,
    sweeper: false,
  });
  // Tokens created with `pnpm tokens create`, kept hashed in the register; revocations apply at once.
  const databaseTokens = new DatabaseTokens({ pool, logger });
  await databaseTokens.start();
  const audit = { register: new PgAuditRegister({ pool, clock: deps.clock }), databaseTokens };
  const availability = { store: new PgAvailabilityStore({ pool, clock: deps.clock, logger }), services, clock: deps.clock };
  const server = buildApiServer({
    store,
    logger,
    tokens: parseApiTokens(config.API_TOKENS),
    notifier,
    availability,
    audit,
    proofs: {
      log: new CheckpointLog({ pool, clock: deps.clock }),
      ...(config.REGISTER_PUBLIC_KEY_FILE ? { publicKeyPem: readFileSync(config.REGISTER_PUBLIC_KEY_FILE, 'utf8') } : {}),
    },
    health: { metrics: deps.metrics, checks: [postgresCheck(pool), redisCheck(redis)] },
    ...(vendors.vendors.length > 0 ? { vendors: { pool, vendors, clock: deps.clock } } : {}),
  });
  if (config.SLACK_SIGNING_SECRET) {
    const secrets = [config.SLACK_SIGNING_SECRET, ...(config.SLACK_SIGNING_SECRET_PREVIOUS ? [config.SLACK_SIGNING_SECRET_PREVIOUS] : [])];
    await server.register(
      buildSlackInteractionsRoute({
        signingSecret: secrets,
        incidents: store,
        notifier,
        ...(slack ? { slack: createSlackInteractionClient({ ...slack, logger }) } : {}),
        logger,
        clock: deps.clock,
        ...(vendors.vendors.length > 0 ? { vendors: slackVendorRecorder(pool, vendors, deps.clock) } : {}),
        // Slack authenticates with its signature, not a bearer token.
        routeConfig: { access: 'public' },
      }),
    );
  }
  const url = await server.listen({ port: config.API_PORT, host: config.API_HOST });
  logger.info({ url, slackInteractions: Boolean(config.SLACK_SIGNING_SECRET) }, 'api listening');
  return { name: 'api', url, stop: orderedStop([() => server.close(), () => databaseTokens.stop(), () => notifier.stop(), () => redis.quit(), () => pool.end()]) };
}

/** "Vendor notified" from Slack: recorded for the vendor the incident owes a notification. */
function slackVendorRecorder(pool: Pool, vendors: VendorsConfig, clock: Clock): VendorNotificationRecorder {
  return {
    async record(incidentId, input, actor) {
      const { rows } = await pool.query<{ rule_id: string; detected_at: Date; seq: number }>('SELECT rule_id, detected_at, seq FROM incidents WHERE id = $1', [incidentId]);
      const row = rows[0];
      if (!row) return null;
      const duty = await vendorDutyOf(pool, vendors, { id: incidentId, ruleId: row.rule_id, detectedAt: row.detected_at.toISOString() });
      if (!duty) return null;
      await recordVendorNotification(pool, incidentId, { vendor: duty.vendor, ...input }, actor, new Date(clock.now()));
      return { vendorName: duty.vendorName, seq: row.seq };
    },
  };
}
