import { buildApiServer, DatabaseTokens, loadServicesFile } from '@vigil/api';
import { NO_SERVICES, PgAuditRegister, PgAvailabilityStore, PgIncidentStore } from '@vigil/incidents';
import { buildSlackInteractionsRoute, createNotifier, createSlackInteractionClient, loadOwners } from '@vigil/notify';
import type { Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { parseApiTokens, type ApiConfig } from './config';
import { openRegister } from './register-pool';
import { orderedStop, type RunningService } from './running-service';

/**
 * The incidents API over the register, and Slack's interactivity endpoint when a signing secret is
 * configured. Actions taken through either queue their Slack updates on the alerter's notification
 * queue (enqueue only: the alerter's workers deliver them).
 */
export async function startApi(config: ApiConfig, deps: { logger: Logger; clock: Clock }): Promise<RunningService> {
  const logger = deps.logger.child({ service: 'api' });
  const owners = loadOwners(config.OWNERS_FILE);
  const services = config.SERVICES_FILE ? loadServicesFile(config.SERVICES_FILE) : NO_SERVICES;
  const pool = await openRegister(config.DATABASE_URL, logger, 5);
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
        // Slack authenticates with its signature, not a bearer token.
        routeConfig: { access: 'public' },
      }),
    );
  }
  const url = await server.listen({ port: config.API_PORT, host: config.API_HOST });
  logger.info({ url, slackInteractions: Boolean(config.SLACK_SIGNING_SECRET) }, 'api listening');
  return { name: 'api', url, stop: orderedStop([() => server.close(), () => databaseTokens.stop(), () => notifier.stop(), () => pool.end()]) };
}
