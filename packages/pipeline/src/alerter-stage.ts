import { decode, encode, type Bus, type IncomingBatch, type OutgoingMessage, type Subscription } from '@vigil/bus';
import type { IncidentView, NotificationRecord } from '@vigil/incidents';
import type { Detection, TopicNames } from '@vigil/schema';
import { extractTrace, injectTrace, withSpan, type Logger } from '@vigil/telemetry';

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
}

/**
 * Detections in, incidents and notifications out. The incident change and its notifications commit
 * in one PostgreSQL transaction (the outbox); enqueueing to BullMQ afterwards is best effort because
 * the outbox sweeper re-enqueues anything still pending, so a Redis blip never blocks the register.
 */
export async function startAlerterStage(options: AlerterStageOptions): Promise<Subscription> {
  return options.bus.subscribe({
    groupId: options.groupId,
    topics: [options.topics.detections],
    eachBatch: (batch) => handleDetectionBatch(batch, options),
  });
}

async function handleDetectionBatch(batch: IncomingBatch, deps: AlerterStageOptions): Promise<void> {
  const dead: OutgoingMessage[] = [];
  for (const message of batch.messages) {
    const decoded = decode('detections', message);
    if (!decoded.ok) {
      dead.push(
        encode('detectionsDlq', 'alerter', {
          stage: 'alerter',
          reason: decoded.reason,
          errors: decoded.errors,
          receivedAt: new Date().toISOString(),
          raw: decoded.raw,
          origin: { topic: message.topic, partition: message.partition, offset: message.offset },
        }),
      );
      continue;
    }
    const detection = decoded.value;
    await withSpan(
      'alerter.detection',
      { 'vigil.detection.id': detection.id, 'vigil.rule.id': detection.ruleId },
      async (span) => {
        const trace = injectTrace();
        const result = await deps.incidents.applyDetection(detection, { trace });
        span.setAttribute('vigil.incident.outcome', result.outcome);
        if (result.incident) span.setAttribute('vigil.incident.id', result.incident.id);
        if (result.outcome !== 'duplicate') {
          deps.logger.info(
            { detection: detection.id, outcome: result.outcome, incident: result.incident?.id, seq: result.incident?.seq },
            'detection applied',
          );
        }
        if (result.notifications.length === 0) return;
        try {
          await deps.notifier.enqueue(result.notifications, trace);
        } catch (error) {
          deps.logger.warn({ err: error, incident: result.incident?.id }, 'enqueue failed; the outbox sweeper will retry');
        }
      },
      extractTrace(message.headers),
    );
  }
  if (dead.length > 0) await deps.bus.publish(deps.topics.detectionsDlq, dead);
}
