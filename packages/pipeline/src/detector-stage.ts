import { context } from '@opentelemetry/api';
import {
  decode,
  type Bus,
  type IncomingBatch,
  type IncomingMessage,
  type OutgoingMessage,
  type Subscription,
} from '@vigil/bus';
import type { VigilMetrics } from '@vigil/health';
import { classifyFailure, errorMessage, faultPoint } from '@vigil/runtime';
import type { Detection, TopicNames, VigilEvent } from '@vigil/schema';
import { extractTrace, injectTrace, withSpan, type Logger } from '@vigil/telemetry';
import { BatchCoalescer } from '@vigil/runtime';
import { RecentEvents, encodeDetection } from './evidence/evidence-capture';
import { isolateRecords, type IsolationOptions } from './record-isolation';
import { stageDeadLetter, type StageDeadLetter } from './stage-dead-letter';

export interface StreamPosition {
  topic: string;
  partition: number;
  offset: string;
}

type BatchItem = { event: VigilEvent; position: StreamPosition };

/** What the stage needs from the rules engine (`createDetector` in @vigil/rules). */
export interface BatchDetector {
  processBatch(items: BatchItem[]): Promise<{
    detections: Detection[];
    late: Array<{ event: VigilEvent; position: StreamPosition; reason: string }>;
    /** Replay markers to release once the detections are durable. */
    markers?: string[];
  }>;
  /** Drops replay markers that a redelivery no longer needs (the detections behind them are published). */
  release?(markers: readonly string[]): Promise<void>;
}

export interface DetectorStageOptions {
  bus: Bus;
  topics: TopicNames;
  detector: BatchDetector;
  logger: Logger;
  groupId: string;
  /**
   * Partitions taken from the bus at once. Their batches are evaluated together (see
   * `BatchCoalescer`), so this should cover every partition the process may own. Default 12.
   */
  partitionsConsumedConcurrently?: number;
  /** Most events evaluated in one run (one Redis round trip, one publish). Default 5000. */
  maxBatchEvents?: number;
  /** Runs in flight at once; further batches gather for the next run meanwhile. Default 2. */
  maxRunsInFlight?: number;
  /** Decides per batch whether its partition's state is there or must be rebuilt first (`PartitionStateGuard`). */
  stateGuard?: { admit(batch: IncomingBatch): Promise<boolean> };
  /** The process's metrics: events in / out / dead-lettered, batch duration, Redis errors. */
  metrics?: VigilMetrics;
  /** How a record that fails every time is found and how often it is tried (tests shorten the waits). */
  isolation?: IsolationOptions;
  /**
   * Bytes of recently read events kept in memory so a window rule's earlier events travel with its detection
   * into the register's evidence (default `DEFAULT_RECENT_EVENT_BYTES`; 0: only the batch's own events).
   */
  recentEventBytes?: number;
}

/**
 * Events in, detections out. Invalid and late events go to the events dead-letter topic with the
 * reason; detections are durable on their topic before the batch's offsets are committed. An event
 * the detector fails on deterministically (a script error on its content, say) is found by
 * `isolateRecords`, tried a few times, then dead-lettered with the error and its stream position,
 * and the rest of the partition goes on. A Redis outage is retried until it ends: nothing skipped.
 */
export async function startDetectorStage(options: DetectorStageOptions): Promise<Subscription> {
  const { bus, topics, metrics } = options;
  const recent = new RecentEvents(options.recentEventBytes);
  // Markers are released after their run's detections are published, without holding the run (and its
  // offset commit) for another Redis round trip; a stop waits for the releases still going.
  const releases = new Set<Promise<void>>();
  const releaseLater = (markers: readonly string[]): void => {
    if (markers.length === 0) return;
    const release: Promise<void> = releaseMarkers(options, markers).finally(() => releases.delete(release));
    releases.add(release);
  };
  const coalescer = new BatchCoalescer<IncomingMessage>(
    async (messages) => {
      const done = metrics?.startBatch('detector');
      try {
        await handleEventBatch(mergedBatch(topics.events, messages), options, recent, releaseLater);
      } finally {
        done?.();
      }
    },
    { maxItems: options.maxBatchEvents ?? 5000, maxInFlight: options.maxRunsInFlight ?? 2 },
  );
  const subscription = await bus.subscribe({
    groupId: options.groupId,
    topics: [topics.events],
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 12,
    eachBatch: async (batch) => {
      if (options.stateGuard && !(await options.stateGuard.admit(batch))) return;
      await coalescer.submit(batch.messages);
    },
  });
  return {
    async stop() {
      await subscription.stop();
      await Promise.all(releases);
    },
  };
}

/** The records of several partitions' batches as one; each record keeps its own partition and offset. */
function mergedBatch(topic: string, messages: IncomingMessage[]): IncomingBatch {
  const partitions = new Set(messages.map((m) => m.partition));
  return {
    topic,
    partition: partitions.size === 1 ? (messages[0]?.partition ?? -1) : -1,
    messages,
    heartbeat: () => Promise.resolve(),
  };
}

async function handleEventBatch(
  batch: IncomingBatch,
  deps: DetectorStageOptions,
  recent: RecentEvents,
  releaseLater: (markers: readonly string[]) => void,
): Promise<void> {
  const items: BatchItem[] = [];
  const dead: StageDeadLetter[] = [];
  const receivedAt = new Date().toISOString();
  // The trace of the first record stands for the batch: one span per batch keeps tracing cheap.
  const parent = extractTrace(batch.messages[0]?.headers);
  for (const message of batch.messages) {
    const position = { topic: message.topic, partition: message.partition, offset: message.offset };
    const decoded = decode('events', message);
    if (decoded.ok) {
      items.push({ event: decoded.value, position });
      recent.remember(decoded.value.id, decoded.text);
    } else {
      dead.push({
        stage: 'detector',
        kind: 'undecodable',
        reason: decoded.reason,
        errors: decoded.errors,
        receivedAt,
        raw: decoded.raw,
        origin: position,
      });
    }
  }

  await withSpan(
    'detector.batch',
    {
      'messaging.batch.message_count': batch.messages.length,
      'messaging.destination.partition.id': batch.partition,
    },
    async (span) => {
      const headers = injectTrace(context.active());
      // Detections are encoded (validated) inside the isolated work: an event whose detection the
      // schema refuses is that event's failure, not the partition's.
      const evaluate = async (slice: readonly BatchItem[]) => {
        const result = await deps.detector.processBatch([...slice]).catch((error: unknown) => {
          if (classifyFailure(error) === 'transient')
            deps.metrics?.dependencyError('redis', 'detector.batch');
          throw error;
        });
        // Each detection carries the events behind it that are still at hand, for the register's evidence.
        return {
          ...result,
          messages: result.detections.map((d) => [d.id, encodeDetection(d, recent, headers)] as const),
        };
      };
      const { results, poisoned } = await isolateRecords(items, evaluate, deps.isolation);
      const detections = new Map<string, OutgoingMessage>();
      const markers: string[] = [];
      for (const result of results) {
        if (result.markers) markers.push(...result.markers);
        for (const [id, message] of result.messages) detections.set(id, message);
        for (const entry of result.late) {
          dead.push({
            stage: 'detector:late',
            kind: 'late',
            reason: entry.reason,
            source: entry.event.source,
            receivedAt,
            raw: entry.event,
            origin: entry.position,
          });
        }
      }
      for (const { record, error, attempts } of poisoned) {
        deps.logger.error(
          { err: error, eventId: record.event.id, ...record.position, attempts },
          'event failed on every attempt; set aside on the dead-letter topic',
        );
        dead.push({
          stage: 'detector',
          kind: 'poison',
          reason: `the detector failed on this event ${attempts} times: ${errorMessage(error)}`,
          source: record.event.source,
          receivedAt,
          raw: record.event,
          origin: record.position,
          failure: { error, attempts },
        });
      }
      span.setAttribute('vigil.detections', detections.size);
      const out = [...detections.values()];
      await Promise.all([
        out.length > 0 ? deps.bus.publish(deps.topics.detections, out) : undefined,
        dead.length > 0
          ? deps.bus.publish(
              deps.topics.eventsDlq,
              dead.map((d) => stageDeadLetter('eventsDlq', d)),
            )
          : undefined,
      ]);
      countEvents(deps.metrics, items, dead);
      if (detections.size > 0) {
        deps.logger.info({ detections: [...detections.keys()] }, 'detections published');
        faultPoint('detector.after-publish');
      }
      releaseLater(markers);
    },
    parent,
  );
}

/**
 * The detections are durable: their replay markers are no longer needed. A failed release is not the
 * batch's failure (the markers expire with their state), so it is logged and counted, never thrown.
 */
async function releaseMarkers(deps: DetectorStageOptions, markers: readonly string[]): Promise<void> {
  if (markers.length === 0 || !deps.detector.release) return;
  try {
    await deps.detector.release(markers);
    faultPoint('detector.after-release');
  } catch (error) {
    if (classifyFailure(error) === 'transient') deps.metrics?.dependencyError('redis', 'detector.release');
    deps.logger.warn(
      { err: error, markers: markers.length },
      'burst markers not released; they expire with their state',
    );
  }
}

/** Per source: events evaluated (in), passed on (out), dead-lettered; undecodable records have no source. */
function countEvents(
  metrics: VigilMetrics | undefined,
  items: readonly BatchItem[],
  dead: readonly StageDeadLetter[],
): void {
  if (!metrics) return;
  const deadBySource = tally(dead.map((letter) => letter.source ?? 'unknown'));
  for (const [source, count] of tally(items.map((item) => item.event.source))) {
    metrics.eventsIn('detector', source, count);
    metrics.eventsOut('detector', source, count - (deadBySource.get(source) ?? 0));
  }
  const undecodable = deadBySource.get('unknown') ?? 0;
  metrics.eventsIn('detector', 'unknown', undecodable);
  for (const [source, count] of deadBySource) metrics.deadLettered('detector', source, count);
}

function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
