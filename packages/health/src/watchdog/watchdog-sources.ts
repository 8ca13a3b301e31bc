import type { Detection } from '@vigil/schema';

/** What the watchdog reads. Each is optional: a deployment without Kafka has no offsets to read. */

export interface PartitionWatermarks {
  partition: number;
  /** Log start offset: the oldest record still retained. */
  low: string;
  /** High watermark: the offset the next record will get. */
  high: string;
}

export interface CommittedOffset {
  partition: number;
  /** `-1` when the group has committed nothing on this partition. */
  offset: string;
}

/** Kafka's admin view of offsets (`KafkaOffsetsReader` in @vigil/bus). */
export interface OffsetsReader {
  topicOffsets(topic: string): Promise<PartitionWatermarks[]>;
  groupOffsets(groupId: string, topic: string): Promise<CommittedOffset[]>;
}

/** Counts of the notification queue (BullMQ `getJobCounts`). */
export interface NotificationQueueCounts {
  counts(): Promise<{ waiting: number; delayed: number; active: number; failed: number }>;
}

/**
 * Where the watchdog's incidents go: the incident register (`PgIncidentStore`), and the notifier for
 * the Slack messages they cause (the outbox sweeper sends them later if this is absent or fails).
 */
export interface PipelineIncidentWriter<N = unknown> {
  applyDetection(detection: Detection, options: { trace?: Record<string, string> }): Promise<{ outcome: string; notifications: N[] }>;
  enqueue?(notifications: N[]): Promise<void>;
}
