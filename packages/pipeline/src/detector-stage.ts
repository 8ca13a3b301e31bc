import { context } from '@opentelemetry/api';
import { decode, encode, type Bus, type IncomingBatch, type OutgoingMessage, type Subscription } from '@vigil/bus';
import type { Detection, TopicNames, VigilEvent } from '@vigil/schema';
import { extractTrace, injectTrace, withSpan, type Logger } from '@vigil/telemetry';

export interface StreamPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** What the stage needs from the rules engine (`createDetector` in @vigil/rules). */
export interface BatchDetector {
  processBatch(items: Array<{ event: VigilEvent; position: StreamPosition }>): Promise<{
    detections: Detection[];
    late: Array<{ event: VigilEvent; position: StreamPosition; reason: string }>;
  }>;
}

export interface DetectorStageOptions {
  bus: Bus;
  topics: TopicNames;
  detector: BatchDetector;
  logger: Logger;
  groupId: string;
  /** Partitions worked at once in this process (Redis round trips overlap); 1 keeps it simplest. */
  partitionsConsumedConcurrently?: number;
}

/**
 * Events in, detections out. Invalid and late events go to the events dead-letter topic with the
 * reason; detections are durable on their topic before the batch's offsets are committed.
 */
export async function startDetectorStage(options: DetectorStageOptions): Promise<Subscription> {
  const { bus, topics, detector, logger } = options;
  return bus.subscribe({
    groupId: options.groupId,
    topics: [topics.events],
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
    eachBatch: (batch) => handleEventBatch(batch, { bus, topics, detector, logger }),
  });
}

async function handleEventBatch(
  batch: IncomingBatch,
  deps: { bus: Bus; topics: TopicNames; detector: BatchDetector; logger: Logger },
): Promise<void> {
  const items: Array<{ event: VigilEvent; position: StreamPosition }> = [];
  const dead: OutgoingMessage[] = [];
  const receivedAt = new Date().toISOString();
  // The trace of the first record stands for the batch: one span per batch keeps tracing cheap.
  const parent = extractTrace(batch.messages[0]?.headers);
  for (const message of batch.messages) {
    const position = { topic: message.topic, partition: message.partition, offset: message.offset };
    const decoded = decode('events', message);
    if (decoded.ok) items.push({ event: decoded.value, position });
    else {
      dead.push(
        encode('eventsDlq', 'detector', {
          stage: 'detector',
          reason: decoded.reason,
          errors: decoded.errors,
          receivedAt,
          raw: decoded.raw,
          origin: { topic: position.topic, partition: position.partition, offset: position.offset },
        }),
      );
    }
  }

  await withSpan(
    'detector.batch',
    { 'messaging.batch.message_count': batch.messages.length, 'messaging.destination.partition.id': batch.partition },
    async (span) => {
      const { detections, late } = await deps.detector.processBatch(items);
      for (const entry of late) {
        dead.push(
          encode('eventsDlq', 'detector', {
            stage: 'detector:late',
            reason: entry.reason,
            errors: [],
            source: entry.event.source,
            receivedAt,
            raw: entry.event,
            origin: entry.position,
          }),
        );
      }
      span.setAttribute('vigil.detections', detections.length);
      const headers = injectTrace(context.active());
      const out = detections.map((d) => encode('detections', d.dedupKey, d, headers));
      await Promise.all([
        out.length > 0 ? deps.bus.publish(deps.topics.detections, out) : undefined,
        dead.length > 0 ? deps.bus.publish(deps.topics.eventsDlq, dead) : undefined,
      ]);
      if (detections.length > 0) deps.logger.info({ detections: detections.map((d) => d.id) }, 'detections published');
    },
    parent,
  );
}
