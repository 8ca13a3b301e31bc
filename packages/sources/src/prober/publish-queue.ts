import type { Bus, OutgoingMessage } from '@vigil/bus';
import { errorMessage, type Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';

export interface PublishQueueOptions {
  bus: Bus;
  topic: string;
  logger: Logger;
  clock: Clock;
  /** Messages held while the bus is down; past this the oldest are dropped (and counted, and logged). */
  maxBuffered: number;
  /** Messages per publish call. */
  batchSize: number;
  /** Wait after a failed publish: doubles per failure from `initialMs` up to `maxMs`. */
  retry: { initialMs: number; maxMs: number };
  /** Least time between two "dropping" log lines during one outage (the first is always logged). */
  dropLogIntervalMs?: number;
}

export interface PublishQueueStats {
  published: number;
  dropped: number;
  buffered: number;
  failedPublishes: number;
}

/**
 * Holds messages for the bus and publishes them in order, retrying with back-off while the bus is
 * down. Bounded: when full it drops the oldest, because fresh check results matter more than stale
 * ones, and it says so loudly. Nothing is dropped without a count and a log line.
 */
export class PublishQueue {
  private pending: OutgoingMessage[] = [];
  private inFlight = 0;
  private closed = false;
  private wake: (() => void) | undefined;
  private drainWaiters: Array<() => void> = [];
  private readonly loop: Promise<void>;
  private failures = 0;
  private droppedThisOutage = 0;
  private lastDropLogAt = Number.NEGATIVE_INFINITY;
  private readonly counts = { published: 0, dropped: 0, failedPublishes: 0 };

  constructor(private readonly options: PublishQueueOptions) {
    this.loop = this.run();
  }

  stats(): PublishQueueStats {
    return { ...this.counts, buffered: this.pending.length + this.inFlight };
  }

  push(message: OutgoingMessage): void {
    if (this.closed) {
      this.drop(1, 'the prober is stopping');
      return;
    }
    this.pending.push(message);
    this.trim();
    this.wakeUp();
  }

  /** Resolves once everything pushed so far is published, or after `timeoutMs`; true when drained. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.isEmpty()) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>((resolve) => this.drainWaiters.push(() => resolve(true)));
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([drained, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops publishing; what is still held is counted as dropped and logged. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeUp();
    await this.loop;
    const left = this.pending.length;
    this.pending = [];
    if (left > 0) this.drop(left, 'the prober stopped before the bus took them', true);
  }

  private isEmpty(): boolean {
    return this.pending.length === 0 && this.inFlight === 0;
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private trim(): void {
    const over = this.pending.length + this.inFlight - this.options.maxBuffered;
    if (over <= 0) return;
    this.pending.splice(0, over);
    this.drop(over, 'the buffer is full while the bus is unavailable');
  }

  private drop(count: number, why: string, always = false): void {
    this.counts.dropped += count;
    this.droppedThisOutage += count;
    const now = this.options.clock.now();
    if (!always && now - this.lastDropLogAt < (this.options.dropLogIntervalMs ?? 10_000)) return;
    this.lastDropLogAt = now;
    this.options.logger.error(
      {
        topic: this.options.topic,
        dropped: count,
        droppedThisOutage: this.droppedThisOutage,
        droppedTotal: this.counts.dropped,
        maxBuffered: this.options.maxBuffered,
      },
      `DROPPED check results: ${why}`,
    );
  }

  private async run(): Promise<void> {
    const { bus, topic, logger, retry } = this.options;
    while (!this.closed) {
      if (this.pending.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      const batch = this.pending.splice(0, this.options.batchSize);
      this.inFlight = batch.length;
      try {
        await bus.publish(topic, batch);
        this.counts.published += batch.length;
        this.inFlight = 0;
        if (this.failures > 0) {
          const log = this.droppedThisOutage > 0 ? logger.error.bind(logger) : logger.info.bind(logger);
          log({ topic, failedPublishes: this.failures, droppedThisOutage: this.droppedThisOutage }, 'bus available again; buffered check results published');
        }
        this.failures = 0;
        this.droppedThisOutage = 0;
        this.lastDropLogAt = Number.NEGATIVE_INFINITY;
        if (this.isEmpty()) for (const resolve of this.drainWaiters.splice(0)) resolve();
      } catch (error) {
        this.pending.unshift(...batch);
        this.inFlight = 0;
        this.trim();
        this.failures += 1;
        this.counts.failedPublishes += 1;
        const waitMs = Math.min(retry.initialMs * 2 ** Math.min(this.failures - 1, 20), retry.maxMs);
        if (this.failures === 1) {
          logger.warn({ topic, err: errorMessage(error), buffered: this.pending.length }, 'bus unavailable; holding check results and retrying');
        } else {
          logger.debug({ topic, attempt: this.failures, waitMs }, 'publish retry failed');
        }
        if (this.closed) return;
        await this.sleep(waitMs);
      }
    }
  }
}
