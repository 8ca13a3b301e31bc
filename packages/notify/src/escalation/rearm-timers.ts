import type { Logger } from '@vigil/telemetry';
import type { IncidentFacts } from '../incident-facts';
import type { ResponseTimerArming } from './response-timers';

/** The register's incidents that may be owed a timer (`PgIncidentStore.listNeedingResponseTimers`). */
export interface ResponseTimerSource {
  listNeedingResponseTimers(afterSeq: number, limit: number): Promise<IncidentFacts[]>;
}

/**
 * Arms every timer the register says is owed, from the register alone: at start, and whenever Redis (where the
 * timers live) is found to have lost its state. Idempotent: timers armed already keep their job ids, and a
 * timer re-armed after it had fired finds its finding recorded and escalates nobody twice.
 */
export async function rearmResponseTimers(
  timers: ResponseTimerArming,
  source: ResponseTimerSource,
  logger: Logger,
  batchSize = 500,
): Promise<{ incidents: number }> {
  let afterSeq = 0;
  let incidents = 0;
  for (;;) {
    const batch = await source.listNeedingResponseTimers(afterSeq, batchSize);
    for (const incident of batch) await timers.sync(incident);
    incidents += batch.length;
    const last = batch.at(-1);
    if (!last || batch.length < batchSize) break;
    afterSeq = last.seq;
  }
  logger.info({ incidents }, 'response timers re-armed from the register');
  return { incidents };
}
