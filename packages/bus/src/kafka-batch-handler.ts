import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from '@vigil/telemetry';
import { backoffDelay, type RetryBackoff } from './backoff';
import type { IncomingBatch, SubscribeOptions } from './bus';
import { KafkaCommitRounds, type TopicPartitionOffset } from './kafka-commit-rounds';
import { toIncomingMessage } from './kafka-message';
import { PartitionLane } from './kafka-partition-lane';
import { batchRewinder } from './rewind-target';

/** What the handler asks of the kafkajs consumer it serves. */
export interface KafkaConsumerControls {
  /** The first offset of each partition stamped at or after a time (Kafka ListOffsets). */
  offsetsAt(topic: string, timeMs: number): Promise<Array<{ partition: number; offset: string }>>;
  /** Each partition's log start offset: nothing before it can be fetched any more. */
  logStarts(topic: string): Promise<Array<{ partition: number; low: string }>>;
  /** Where the consumer fetches a partition next. */
  seek(target: TopicPartitionOffset): void;
  pause(topic: string, partition: number): void;
  resume(topic: string, partition: number): void;
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
}

export interface FetchAheadLimits {
  /** Records one run of the bus handler takes at most. */
  maxRunRecords: number;
  /** Records a partition may have queued before kafkajs waits to fetch its broker again. */
  maxQueuedRecords: number;
}

export const DEFAULT_FETCH_AHEAD: FetchAheadLimits = { maxRunRecords: 5_000, maxQueuedRecords: 10_000 };

/**
 * Adapts the bus's `eachBatch` to kafkajs (run with `eachBatchAutoResolve: false`, `autoCommit: false`)
 * and fetches ahead.
 *
 * kafkajs fetches a broker's partitions again only once every batch of its previous fetch is handled.
 * Running the bus handler inside kafkajs's callback made each partition's rate one fetch per handler
 * run, whatever the CPU. Here a fetched batch is queued on its partition's lane and its offsets are
 * resolved at once, so kafkajs fetches again while the lane's run is in flight; the next run takes
 * everything queued meanwhile. Nothing is committed until the run that handled it resolved
 * (`autoCommit` is off), so a crash replays from the last handled record, as before.
 *
 * A run that throws never throws into kafkajs: a throw there restarts the fetch loop for every
 * partition of the member (kafkajs #945). Instead the lane drops what it queued, the partition is sent
 * back to the run's first offset and paused, and a timer resumes it after the back-off. Other
 * partitions keep flowing meanwhile.
 */
export class KafkaBatchHandler {
  private readonly lanes = new Map<string, PartitionLane>();
  private readonly commits: KafkaCommitRounds;
  private readonly slots: Slots;
  private stopped = false;

  constructor(
    private readonly handler: SubscribeOptions['eachBatch'],
    private readonly backoff: RetryBackoff,
    private readonly logger: Logger,
    private readonly consumer: KafkaConsumerControls,
    concurrency: number,
    private readonly limits: FetchAheadLimits = DEFAULT_FETCH_AHEAD,
  ) {
    this.slots = new Slots(Math.max(1, concurrency));
    this.commits = new KafkaCommitRounds((offsets) => consumer.commit(offsets), logger);
  }

  readonly handle = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const last = batch.messages[batch.messages.length - 1];
    if (!last || this.stopped || !payload.isRunning() || payload.isStale()) return;
    const lane = this.lane(batch.topic, batch.partition);

    // A consumer that kafkajs restarted has forgotten the pause, so the back-off is enforced here too.
    if (lane.failed && lane.failed.retryAt > Date.now()) {
      this.pauseUntilRetry(lane);
      return;
    }
    const accepted = lane.accept(
      batch.messages.map((message) => toIncomingMessage(batch.topic, batch.partition, message)),
    );
    payload.resolveOffset(last.offset);
    if (accepted > 0) this.kick(lane);
    // Back-pressure: kafkajs fetches this broker again once the partition has room.
    await lane.room(this.limits.maxQueuedRecords);
  };

  /** A new generation: partitions this member no longer holds drop what they queued. */
  onAssigned(assignment: Record<string, number[]>): void {
    const held = new Set(
      Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => laneKey(topic, p))),
    );
    for (const [key, lane] of this.lanes) {
      if (held.has(key)) continue;
      clearTimeout(lane.failed?.timer);
      lane.failed = undefined;
      lane.turnBack();
    }
  }

  /** Stops taking records; resolves once the runs in flight finished and their commits were answered. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const lane of this.lanes.values()) {
      clearTimeout(lane.failed?.timer);
      lane.dropQueued(); // the run in flight still commits what it handled
    }
    await Promise.all([...this.lanes.values()].map((lane) => lane.running ?? Promise.resolve()));
    await this.commits.drained();
  }

  private lane(topic: string, partition: number): PartitionLane {
    const key = laneKey(topic, partition);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = new PartitionLane(topic, partition);
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private kick(lane: PartitionLane): void {
    if (lane.running || this.stopped || lane.queue.length === 0) return;
    lane.running = this.drain(lane);
  }

  /** Runs the lane's queue until it is empty; one run of a partition at a time. */
  private async drain(lane: PartitionLane): Promise<void> {
    try {
      await Promise.resolve(); // `lane.running` is set before this loop can end
      while (lane.queue.length > 0 && !this.stopped) {
        await this.slots.acquire();
        try {
          if (lane.queue.length > 0 && !this.stopped) await this.runOnce(lane);
        } finally {
          this.slots.release();
        }
      }
    } finally {
      lane.running = undefined;
    }
  }

  private async runOnce(lane: PartitionLane): Promise<void> {
    const { topic, partition } = lane;
    const messages = lane.take(this.limits.maxRunRecords);
    const epoch = lane.epoch;
    const first = messages[0]!.offset;
    const last = messages[messages.length - 1]!.offset;
    let rewound = false;
    const incoming: IncomingBatch = {
      topic,
      partition,
      messages,
      // kafkajs heartbeats from its fetch loop, which keeps going while this run is in flight.
      heartbeat: () => Promise.resolve(),
      rewind: batchRewinder(
        { topic, partition, firstOffset: first },
        {
          offsetAt: async (timeMs) =>
            BigInt(
              (await this.consumer.offsetsAt(topic, timeMs)).find((e) => e.partition === partition)?.offset ??
                '-1',
            ),
          logStart: async () =>
            BigInt((await this.consumer.logStarts(topic)).find((e) => e.partition === partition)?.low ?? '0'),
        },
        this.logger,
        (at) => {
          rewound = true;
          this.sendBack(lane, at.toString());
        },
      ),
    };
    try {
      await this.handler(incoming);
    } catch (error) {
      if (lane.epoch === epoch && !this.stopped) this.onFailure(lane, incoming, error);
      return;
    }
    if (lane.failed?.firstOffset === first) lane.failed = undefined;
    if (rewound || lane.epoch !== epoch) return;
    await this.commits.commit({ topic, partition, offset: (BigInt(last) + 1n).toString() });
  }

  /** Drops the lane's queue and has kafkajs fetch the partition again from `offset`. */
  private sendBack(lane: PartitionLane, offset: string): void {
    lane.turnBack();
    this.consumer.seek({ topic: lane.topic, partition: lane.partition, offset });
  }

  private onFailure(lane: PartitionLane, batch: IncomingBatch, error: unknown): void {
    const firstOffset = batch.messages[0]?.offset ?? '';
    const attempt = lane.failed?.firstOffset === firstOffset ? lane.failed.attempt + 1 : 1;
    const delayMs = backoffDelay(attempt, this.backoff);
    clearTimeout(lane.failed?.timer);
    lane.failed = { firstOffset, attempt, retryAt: Date.now() + delayMs };
    this.logger.warn(
      {
        err: error,
        topic: batch.topic,
        partition: batch.partition,
        firstOffset,
        size: batch.messages.length,
        attempt,
        delayMs,
      },
      'batch handler failed; the batch will be delivered again after a back-off',
    );
    this.sendBack(lane, firstOffset);
    this.pauseUntilRetry(lane);
  }

  private pauseUntilRetry(lane: PartitionLane): void {
    const failed = lane.failed;
    if (!failed) return;
    this.consumer.pause(lane.topic, lane.partition);
    if (failed.timer) return;
    failed.timer = setTimeout(
      () => {
        failed.timer = undefined;
        if (lane.failed !== failed || this.stopped) return;
        try {
          this.consumer.resume(lane.topic, lane.partition);
        } catch (error) {
          // The consumer is between a crash and its restart; the restarted one never saw the pause.
          this.logger.debug({ err: error, topic: lane.topic, partition: lane.partition }, 'could not resume');
        }
      },
      Math.max(failed.retryAt - Date.now(), 0),
    );
  }
}

function laneKey(topic: string, partition: number): string {
  return `${topic}|${partition}`;
}

/** At most `size` runs at once, across the member's partitions (`partitionsConsumedConcurrently`). */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}
