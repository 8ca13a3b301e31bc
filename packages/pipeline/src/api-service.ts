import { buildApiServer } from '@vigil/api';
import { PgIncidentStore } from '@vigil/incidents';
import { createNotifier, loadOwners } from '@vigil/notify';
import type { Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { parseApiTokens, type ApiConfig } from './config';
import { openRegister } from './register-pool';
import { orderedStop, type RunningService } from './running-service';

/**
 * The incidents API over the register. Actions taken through it queue their Slack updates on the
 * alerter's notification queue (enqueue only: the alerter's workers deliver them).
 */
export async function startApi(config: ApiConfig, deps: { logger: Logger; clock: Clock }): Promise<RunningService> {
  const logger = deps.logger.child({ service: 'api' });
  const owners = loadOwners(config.OWNERS_FILE);
  const pool = await openRegister(config.DATABASE_URL, logger, 5);
  const store = new PgIncidentStore({ pool, clock: deps.clock, logger });
  const notifier = createNotifier({
    connection: { url: config.REDIS_URL },
    queueName: config.NOTIFY_QUEUE,
    store,
    owners,
    logger,
    clock: deps.clock,
    sweeper: false,
  });
  const server = buildApiServer({ store, logger, tokens: parseApiTokens(config.API_TOKENS), notifier });
  const url = await server.listen({ port: config.API_PORT, host: config.API_HOST });
  logger.info({ url }, 'api listening');
  return { name: 'api', url, stop: orderedStop([() => server.close(), () => notifier.stop(), () => pool.end()]) };
}
