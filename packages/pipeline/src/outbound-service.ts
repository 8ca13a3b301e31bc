import type { Pool } from 'pg';
import { PgOutboundStore } from '@vigil/incidents';
import { deadDeliveryReporter, outboundDestinations, OutboundWorker, type OwnersConfig } from '@vigil/notify';
import type { Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import type { AlerterConfig } from './config';

/**
 * Findings out to the webhooks and PagerDuty services the owners file names; none when it names none or
 * `OUTBOUND_INTERVAL_MS` is 0. Secrets are read from the environment here, once, and checked.
 */
export function startOutbound(
  config: AlerterConfig,
  deps: { pool: Pool; owners: OwnersConfig; env: NodeJS.ProcessEnv; logger: Logger; clock: Clock },
): OutboundWorker | null {
  const destinations = outboundDestinations(deps.owners, deps.env, config.OWNERS_FILE);
  if (destinations.size === 0 || config.OUTBOUND_INTERVAL_MS === 0) return null;
  const worker = new OutboundWorker({
    store: new PgOutboundStore(deps.pool),
    owners: deps.owners,
    destinations,
    logger: deps.logger,
    clock: deps.clock,
    intervalMs: config.OUTBOUND_INTERVAL_MS,
    retry: { attempts: config.OUTBOUND_MAX_ATTEMPTS, baseMs: config.OUTBOUND_RETRY_BASE_MS, maxMs: 10 * 60_000 },
    pagerDutyUrl: config.PAGERDUTY_EVENTS_URL,
    onDead: deadDeliveryReporter({
      channel: deps.owners.fallbackChannel,
      slack: config.SLACK_BOT_TOKEN ? { token: config.SLACK_BOT_TOKEN, ...(config.SLACK_API_URL ? { apiUrl: config.SLACK_API_URL } : {}) } : undefined,
      logger: deps.logger,
    }),
  });
  worker.start();
  deps.logger.info({ destinations: [...destinations.keys()] }, 'findings out to webhooks and PagerDuty');
  return worker;
}
