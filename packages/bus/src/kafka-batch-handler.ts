import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from '@vigil/telemetry';
import { backoffDelay, type RetryBackoff } from './backoff';
import type { IncomingBatch, SubscribeOptions } from './bus';
import { toIncomingMessage } from './kafka-message';
import { rewindTarget } from './rewind-target';

interface FailedBatch {
  firstOffset: string;
  attempt: number;
  retryAt: number;
  resume?: () => void;
  timer?: NodeJS.Timeout;
}

/**
 * Adapts the bus's `eachBatch` to kafkajs (run with `eachBatchAutoResolve: false`).
 *
 * A handler that throws never throws into kafkajs: a throw there restarts the fetch loop for every
 * partition of the member (kafkajs #945) and, after the retries run out, crashes the consumer.
 * Instead the partition is paused without resolving anything, so kafkajs's next fetch for it starts
 * again at the first offset of the failed batch, and a timer resumes it after the back-off. Other
 * partitions keep flowing meanwhile.
 *
 * On success the batch is committed here, before kafkajs fetches that partition again.
 */
export class KafkaBatchHandler {
  private readonly failed = new Map<string, FailedBatch>();
  private stopped = false;
  private commitRound:
    | { offsets: Map<string, { topic: string; partition: number; offset: string }>; done: Promise<void> }
    | undefined;

  constructor(
    private readonly handler: SubscribeOptions['eachBatch'],
    private readonly backoff: RetryBackoff,
    private readonly logger: Logger,
    /** The first offset of each partition stamped at or after a time (Kafka ListOffsets). */
    private readonly offsetsAt: (
      topic: string,
      timeMs: number,
    ) => Promise<Array<{ partition: number; offset: string }>>,
    /** Each partition's log start offset: nothing before it can be fetched any more. */
    private readonly logStarts: (topic: string) => Promise<Array<{ partition: number; low: string }>>,
    /** Where the consumer fetches a partition next. */
    private readonly seek: (target: { topic: string; partition: number; offset: string }) => void,
  ) {}

  readonly handle = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const key = `${batch.topic}|${batch.partition}`;
    const last = batch.messages[batch.messages.length - 1];
    if (!last || this.stopped || !payload.isRunning() || payload.isStale()) return;

    // A consumer that kafkajs restarted has forgotten the pause, so the back-off is enforced here too.
    const earlier = this.failed.get(key);
    if (earlier && earlier.retryAt > Date.now()) {
      this.pauseUntilRetry(key, earlier, payload);
      return;
    }

    let rewound = false;
    const first = batch.messages[0]?.offset ?? last.offset;
    const incoming: IncomingBatch = {
      topic: batch.topic,
      partition: batch.partition,
      messages: batch.messages.map((message) => toIncomingMessage(batch.topic, batch.partition, message)),
      heartbeat: () => payload.heartbeat(),
      rewind: async (toTimeMs, fromOffset) => {
        const { topic, partition } = batch;
        const at = await rewindTarget(
          { topic, partition, firstOffset: first },
          toTimeMs,
          fromOffset,
          {
            offsetAt: async (timeMs) =>
              BigInt(
                (await this.offsetsAt(topic, timeMs)).find((e) => e.partition === partition)?.offset ?? '-1',
              ),
            logStart: async () =>
              BigInt((await this.logStarts(topic)).find((e) => e.partition === partition)?.low ?? '0'),
          },
          this.logger,
        );
        if (at === undefined) return first; // nothing earlier: go on with this batch
        rewound = true;
        this.seek({ topic, partition, offset: at.toString() });
        return at.toString();
      },
    };
    try {
      await this.handler(incoming);
    } catch (error) {
      this.onFailure(key, incoming, earlier, payload, error);
      return;
    }

    this.failed.delete(key);
    if (rewound) return;
    payload.resolveOffset(last.offset);
    await this.commit(payload, batch.topic, batch.partition, (BigInt(last.offset) + 1n).toString());
  };

  /**
   * Commits a partition's next offset together with those of the other batches that finished in the
   * same turn of the event loop: one OffsetCommit request for all of them rather than one each.
   */
  private commit(payload: EachBatchPayload, topic: string, partition: number, offset: string): Promise<void> {
    let round = this.commitRound;
    if (!round) {
      const offsets = new Map<string, { topic: string; partition: number; offset: string }>();
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        if (this.commitRound === round) this.commitRound = undefined;
        const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
        for (const entry of offsets.values()) {
          const list = byTopic.get(entry.topic) ?? [];
          list.push({ partition: entry.partition, offset: entry.offset });
          byTopic.set(entry.topic, list);
        }
        return payload.commitOffsetsIfNecessary({
          topics: [...byTopic].map(([name, partitions]) => ({ topic: name, partitions })),
        });
      });
      round = { offsets, done };
      this.commitRound = round;
    }
    round.offsets.set(`${topic}|${partition}`, { topic, partition, offset });
    return round.done;
  }

  /** Drops pending resumes; the consumer is about to leave the group. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.failed.values()) clearTimeout(entry.timer);
    this.failed.clear();
  }

  private onFailure(
    key: string,
    batch: IncomingBatch,
    earlier: FailedBatch | undefined,
    payload: EachBatchPayload,
    error: unknown,
  ): void {
    const firstOffset = batch.messages[0]?.offset ?? '';
    const attempt = earlier?.firstOffset === firstOffset ? earlier.attempt + 1 : 1;
    const delayMs = backoffDelay(attempt, this.backoff);
    clearTimeout(earlier?.timer);
    const entry: FailedBatch = { firstOffset, attempt, retryAt: Date.now() + delayMs };
    this.failed.set(key, entry);
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
    this.pauseUntilRetry(key, entry, payload);
  }

  private pauseUntilRetry(key: string, entry: FailedBatch, payload: EachBatchPayload): void {
    entry.resume = payload.pause();
    clearTimeout(entry.timer);
    entry.timer = setTimeout(
      () => {
        entry.timer = undefined;
        if (this.failed.get(key) !== entry) return;
        try {
          entry.resume?.();
        } catch (error) {
          // The consumer is between a crash and its restart; the restarted one never saw the pause.
          this.logger.debug({ err: error, key }, 'could not resume a paused partition');
        }
      },
      Math.max(entry.retryAt - Date.now(), 0),
    );
  }
}
