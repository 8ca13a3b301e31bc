import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from '@vigil/telemetry';
import { backoffDelay, type RetryBackoff } from './backoff';
import type { IncomingBatch, SubscribeOptions } from './bus';
import { toIncomingMessage } from './kafka-message';

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

  constructor(
    private readonly handler: SubscribeOptions['eachBatch'],
    private readonly backoff: RetryBackoff,
    private readonly logger: Logger,
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

    const incoming: IncomingBatch = {
      topic: batch.topic,
      partition: batch.partition,
      messages: batch.messages.map((message) => toIncomingMessage(batch.topic, batch.partition, message)),
      heartbeat: () => payload.heartbeat(),
    };
    try {
      await this.handler(incoming);
    } catch (error) {
      this.onFailure(key, incoming, earlier, payload, error);
      return;
    }

    this.failed.delete(key);
    payload.resolveOffset(last.offset);
    const next = (BigInt(last.offset) + 1n).toString();
    await payload.commitOffsetsIfNecessary({
      topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }],
    });
  };

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
