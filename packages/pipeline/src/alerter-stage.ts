import { decode, type Bus, type IncomingBatch, type IncomingMessage, type Subscription } from '@vigil/bus';
import type { IncidentView, NotificationRecord } from '@vigil/incidents';
import type { VigilMetrics } from '@vigil/health';
import { classifyFailure, errorMessage, faultPoint } from '@vigil/runtime';
import type { Detection, TopicNames } from '@vigil/schema';
import { extractTrace, injectTrace, withSpan, type Logger } from '@vigil/telemetry';
import { measuredBatch } from './measured-batch';
import { isolateRecords, type IsolationOptions } from './record-isolation';
import { stageDeadLetter, type StageDeadLetter } from './stage-dead-letter';

/** What the stage needs from the incident register (`PgIncidentStore` in @vigil/incidents). */
export interface DetectionApplier {
  applyDetection(
    detection: Detection,
    options: { trace?: Record<string, string> },
  ): Promise<{ outcome: string; incident: IncidentView | null; notifications: NotificationRecord[] }>;
}

/** What the stage needs from the notifier (`createNotifier` in @vigil/notify). */
export interface NotificationEnqueuer {
  enqueue(records: NotificationRecord[], trace?: Record<string, string>): Promise<void>;
}

export interface AlerterStageOptions {
  bus: Bus;
  topics: TopicNames;
  incidents: DetectionApplier;
  notifier: NotificationEnqueuer;
  logger: Logger;
  groupId: string;
  /** The process's metrics: detections in / out / dead-lettered (the source label is the rule id), batch duration. */
  metrics?: VigilMetrics;
  /** How a record that fails every time is found and how often it is tried (tests shorten the waits). */
  isolation?: IsolationOptions;
}

type Decoded = { detection: Detection; message: IncomingMessage };

/**
 * Detections in, incidents and notifications out. The incident change and its notifications commit
 * in one PostgreSQL transaction (the outbox); enqueueing to BullMQ afterwards is best effort because
 * the outbox sweeper re-enqueues anything still pending, so a Redis blip never blocks the register.
 * A detection the register refuses deterministically (a constraint, a value PostgreSQL cannot hold)
 * is tried a few times and then dead-lettered with the error; a database outage is retried until it
 * ends, skipping nothing.
 */
export async function startAlerterStage(options: AlerterStageOptions): Promise<Subscription> {
  return options.bus.subscribe({
    groupId: options.groupId,
    topics: [options.topics.detections],
    eachBatch: measuredBatch(options.metrics, 'alerter', (batch) => handleDetectionBatch(batch, options)),
  });
}

async function handleDetectionBatch(batch: IncomingBatch, deps: AlerterStageOptions): Promise<void> {
  const dead: StageDeadLetter[] = [];
  const items: Decoded[] = [];
  const receivedAt = new Date().toISOString();
  for (const message of batch.messages) {
    const decoded = decode('detections', message);
    deps.metrics?.eventsIn('alerter', decoded.ok ? decoded.value.ruleId : 'unknown');
    if (decoded.ok) items.push({ detection: decoded.value, message });
    else dead.push({ stage: 'alerter', kind: 'undecodable', reason: decoded.reason, errors: decoded.errors, receivedAt, raw: decoded.raw, origin: message });
  }
  const { poisoned } = await isolateRecords(
    items,
    async (slice) => {
      for (const item of slice) await applyOne(item, deps);
    },
    deps.isolation,
  );
  for (const { record, error, attempts } of poisoned) {
    deps.logger.error(
      { err: error, detection: record.detection.id, topic: record.message.topic, partition: record.message.partition, offset: record.message.offset, attempts },
      'detection failed on every attempt; set aside on the dead-letter topic',
    );
    dead.push({
      stage: 'alerter',
      kind: 'poison',
      reason: `the register refused this detection ${attempts} times: ${errorMessage(error)}`,
      receivedAt,
      raw: record.detection,
      origin: record.message,
      failure: { error, attempts },
    });
  }
  if (dead.length === 0) return;
  await deps.bus.publish(deps.topics.detectionsDlq, dead.map((d) => stageDeadLetter('detectionsDlq', d)));
  for (const letter of dead) {
    const raw = letter.raw as Partial<Detection> | undefined;
    deps.metrics?.deadLettered('alerter', letter.kind === 'poison' && typeof raw?.ruleId === 'string' ? raw.ruleId : 'unknown');
  }
}

function applyOne({ detection, message }: Decoded, deps: AlerterStageOptions): Promise<void> {
  return withSpan(
    'alerter.detection',
    { 'vigil.detection.id': detection.id, 'vigil.rule.id': detection.ruleId },
    async (span) => {
      const trace = injectTrace();
      const result = await deps.incidents.applyDetection(detection, { trace }).catch((error: unknown) => {
        if (classifyFailure(error) === 'transient') deps.metrics?.dependencyError('postgres', 'alerter.apply');
        throw error;
      });
      deps.metrics?.eventsOut('alerter', detection.ruleId);
      span.setAttribute('vigil.incident.outcome', result.outcome);
      if (result.incident) span.setAttribute('vigil.incident.id', result.incident.id);
      if (result.outcome !== 'duplicate') {
        deps.logger.info(
          { detection: detection.id, outcome: result.outcome, incident: result.incident?.id, seq: result.incident?.seq },
          'detection applied',
        );
      }
      if (result.notifications.length === 0) return;
      faultPoint('alerter.after-register-write');
      try {
        await deps.notifier.enqueue(result.notifications, trace);
      } catch (error) {
        deps.logger.warn({ err: error, incident: result.incident?.id }, 'enqueue failed; the outbox sweeper will retry');
      }
    },
    extractTrace(message.headers),
  );
}
