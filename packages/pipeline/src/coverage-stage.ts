import { decode, type Bus, type IncomingBatch, type IncomingMessage, type Subscription } from '@vigil/bus';
import type { ServiceCheck } from '@vigil/incidents';
import { isServiceCheck, type TopicNames } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';

/** What the stage needs from the register (`recordChecks` in @vigil/incidents, bound to a pool). */
export type CheckRecorder = (checks: readonly ServiceCheck[]) => Promise<void>;

export interface CoverageStageOptions {
  bus: Bus;
  topics: TopicNames;
  record: CheckRecorder;
  logger: Logger;
  groupId: string;
}

/**
 * Uptime checks in, the time they covered out (`check_coverage`): the evidence behind "monitored time" in
 * the availability figures. Its own consumer group on the events topic, so it neither slows the detector
 * nor depends on it. A batch is recorded in one transaction before its offsets commit; recording the same
 * checks again changes nothing, so redelivery is harmless. Invalid records are the detector's to
 * dead-letter; here they are skipped.
 */
export async function startCoverageStage(options: CoverageStageOptions): Promise<Subscription> {
  return options.bus.subscribe({
    groupId: options.groupId,
    topics: [options.topics.events],
    eachBatch: (batch) => recordBatch(batch, options),
  });
}

async function recordBatch(batch: IncomingBatch, deps: CoverageStageOptions): Promise<void> {
  const checks = serviceChecksIn(batch.messages);
  if (checks.length === 0) return;
  await deps.record(checks);
  deps.logger.debug({ checks: checks.length, partition: batch.partition }, 'check coverage recorded');
}

/** The checks among the events topic's records: what coverage is made of (`isServiceCheck`). */
export function serviceChecksIn(messages: readonly IncomingMessage[]): ServiceCheck[] {
  const checks: ServiceCheck[] = [];
  for (const message of messages) {
    const decoded = decode('events', message);
    if (!decoded.ok) continue;
    const event = decoded.value;
    // A check that could not tell (outcome unknown) is no evidence either way, and an alert is no check:
    // it covers time only as the outage alerts-down measures from it.
    if (!isServiceCheck(event)) continue;
    checks.push({ service: event.entity.id, at: Date.parse(event.time) });
  }
  return checks;
}
