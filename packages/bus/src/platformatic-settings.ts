import {
  roundRobinAssigner,
  type BaseOptions,
  type Consumer,
  type GroupPartitionsAssigner,
} from '@platformatic/kafka';
import type { RetryBackoff } from './backoff';

export interface PlatformaticConsumerSettings {
  connection: Omit<BaseOptions, 'retries' | 'retryDelay'>;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxWaitTimeMs: number;
  retryBackoff: RetryBackoff;
  /** Records between the old position and the new one are skipped (`KafkaLogHooks`). */
  onOffsetOutOfRange?(fields: { topic: string; partition: number; groupId: string }): void;
}

/** kafkajs's defaults, so both clients fetch alike: 1 MiB a partition, 10 MiB a request. */
export const PARTITION_MAX_BYTES = 1_048_576;
export const FETCH_MAX_BYTES = 10_485_760;
/** Pause before fetching from a broker again after a failed fetch. */
export const FETCH_RETRY_MS = 250;

/**
 * Kafka's round-robin assignment, computed by the group's leader, whose SyncGroup then waits for one
 * fresh metadata request. librdkafka's mock broker completes a sync as soon as the leader's
 * assignments arrive and answers a follower's SyncGroup that comes after that with
 * INVALID_REQUEST; without the round trip the leader (which computes from cached metadata) always
 * wins that race against a follower in the same process, whose metadata is cached too
 * (`metadataMaxAge`). One metadata request per rebalance on a real broker.
 */
export function assignAfterMetadataRoundTrip(consumer: () => Consumer): GroupPartitionsAssigner {
  return (current, members, topics, metadata) => {
    consumer().clearMetadata();
    return roundRobinAssigner(current, members, topics, metadata);
  };
}
