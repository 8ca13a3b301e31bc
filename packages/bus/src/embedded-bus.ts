import { systemClock, type Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from './backoff';
import {
  BusFullError,
  BusUnavailableError,
  type Bus,
  type OutgoingMessage,
  type SubscribeOptions,
  type Subscription,
} from './bus';
import { EmbeddedGroup, type GroupHost } from './embedded-group';
import { partitionForKey } from './key-partitioner';
import { PartitionLog } from './partition-log';

export interface EmbeddedBusOptions {
  logger: Logger;
  /** Partitions per topic, fixed when the topic is first used. Default 4. */
  partitions?: number;
  /** Most records handed to one `eachBatch` call. Default 100. */
  maxBatchSize?: number;
  /**
   * Most unread records one partition holds. Records every group reading the topic has committed
   * are dropped at once. When a group lags by this many records, `publish` refuses further records
   * for that partition (`BusFullError`, a `BusUnavailableError`: ingest answers 503 with
   * Retry-After) until the group catches up: an accepted record is never dropped unread. A topic
   * no group has subscribed to yet keeps only its newest this-many records. Memory is bounded by
   * topics x partitions x this x record size. Default 10000.
   */
  maxRecordsPerPartition?: number;
  /** Back-off before a failed batch comes again. Default 500 ms doubling to 10 s. */
  retryBackoff?: RetryBackoff;
  /** Stamps appended records. */
  clock?: Clock;
}

interface Topic {
  partitions: PartitionLog[];
  /** Every group that has ever read the topic; their offsets decide what can be dropped. */
  groups: Set<EmbeddedGroup>;
}

/**
 * The bus in one process, for the single-process mode: same contract as Kafka (partitions by key,
 * consumer groups that split partitions, committed offsets, at-least-once with back-off), nothing
 * durable across restarts.
 */
export class EmbeddedBus implements Bus {
  readonly kind = 'embedded' as const;
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, EmbeddedGroup>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly partitionCount: number;
  private readonly maxRecordsPerPartition: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly host: GroupHost;
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(options: EmbeddedBusOptions) {
    this.logger = options.logger.child({ component: 'embedded-bus' });
    this.partitionCount = positiveInteger(options.partitions ?? 4, 'partitions');
    this.maxRecordsPerPartition = positiveInteger(
      options.maxRecordsPerPartition ?? 10_000,
      'maxRecordsPerPartition',
    );
    this.clock = options.clock ?? systemClock;
    this.host = {
      partitionsOf: (topic) => this.topic(topic).partitions,
      committed: (topic, partition) => this.dropCommitted(topic, partition),
      maxBatchSize: positiveInteger(options.maxBatchSize ?? 100, 'maxBatchSize'),
      retryBackoff: options.retryBackoff ?? DEFAULT_RETRY_BACKOFF,
      logger: this.logger,
    };
  }

  async start(): Promise<void> {
    this.assertRunning();
    this.started = true;
  }

  /** Resolves once the records are appended (there is nothing more durable in one process). */
  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (!this.started) throw new Error('EmbeddedBus.start() must be called before publish()');
    this.assertRunning();
    const target = this.topic(topic);
    const partitions = messages.map((message) => partitionForKey(message.key, this.partitionCount));
    this.refuseOverCap(topic, target, partitions);
    const touched = new Set<number>();
    for (const [index, message] of messages.entries()) {
      const partition = partitions[index]!;
      target.partitions[partition]!.append({
        key: message.key,
        // Copied, so a caller reusing its buffer cannot change what was published.
        value: Buffer.from(message.value),
        headers: { ...message.headers },
        timestamp: this.clock.now(),
      });
      touched.add(partition);
    }
    for (const partition of touched) this.trimUnclaimed(target, partition);
    for (const group of target.groups) group.wake();
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertRunning();
    if (options.topics.length === 0) throw new Error('subscribe needs at least one topic');
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new EmbeddedGroup(options.groupId, this.host);
      this.groups.set(options.groupId, group);
    }
    for (const topic of options.topics) this.topic(topic).groups.add(group);
    const member = group.join(options);
    const joined = group;
    let stopping: Promise<void> | undefined;
    const subscription: Subscription = {
      stop: () => {
        stopping ??= joined.leave(member).finally(() => this.subscriptions.delete(subscription));
        return stopping;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Records the topic still holds in memory, over all partitions: for metrics and tests. */
  retainedRecords(topic: string): number {
    return this.topics.get(topic)?.partitions.reduce((sum, log) => sum + log.size, 0) ?? 0;
  }

  /** Stops every subscription, letting batches in flight finish and commit. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const results = await Promise.allSettled(
      [...this.subscriptions].map((subscription) => subscription.stop()),
    );
    for (const group of this.groups.values()) group.close();
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    if (failures.length > 0) throw new AggregateError(failures, 'embedded bus did not stop cleanly');
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = {
        partitions: Array.from({ length: this.partitionCount }, () => new PartitionLog()),
        groups: new Set(),
      };
      this.topics.set(name, topic);
    }
    return topic;
  }

  /** Drops what every group reading the topic has committed. */
  private dropCommitted(topicName: string, partition: number): void {
    const topic = this.topic(topicName);
    const log = topic.partitions[partition];
    if (!log || topic.groups.size === 0) return;
    let lowest = Infinity;
    for (const group of topic.groups)
      lowest = Math.min(lowest, group.committedOffset(topicName, partition) ?? 0);
    log.dropBefore(lowest);
  }

  /**
   * All or nothing: when a group reads the topic, a partition whose unread records would pass the cap
   * refuses the whole publish, so the caller backs off (ingest: 503 with Retry-After) and nothing it
   * was told is accepted is lost. A partition with nothing unread takes any batch, so one oversized
   * publish cannot be refused for ever.
   */
  private refuseOverCap(topicName: string, topic: Topic, partitions: readonly number[]): void {
    if (topic.groups.size === 0) return;
    const incoming = new Map<number, number>();
    for (const partition of partitions) incoming.set(partition, (incoming.get(partition) ?? 0) + 1);
    for (const [partition, count] of incoming) {
      const held = topic.partitions[partition]!.size;
      if (held > 0 && held + count > this.maxRecordsPerPartition) {
        throw new BusFullError(
          `topic ${topicName} partition ${partition} holds ${held} unread records (cap ${this.maxRecordsPerPartition}); ` +
            'nothing was accepted, retry once the consumers catch up',
        );
      }
    }
  }

  /** Only for a topic no group has subscribed to yet: nobody has a claim on its records, so the oldest go. */
  private trimUnclaimed(topic: Topic, partition: number): void {
    if (topic.groups.size > 0) return;
    const log = topic.partitions[partition]!;
    const excess = log.size - this.maxRecordsPerPartition;
    if (excess > 0) log.dropBefore(log.startOffset + excess);
  }

  private assertRunning(): void {
    if (this.stopping) throw new BusUnavailableError('the embedded bus is stopped');
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
