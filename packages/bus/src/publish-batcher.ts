import { BatchCoalescer } from '@vigil/runtime';
import { BusFullError, BusUnavailableError, type OutgoingMessage } from './bus';

/**
 * How concurrent publishes are grouped into produce requests (`KAFKA_PRODUCE_*`, docs/configuration.md).
 * Every field has a default (`DEFAULT_PUBLISH_BATCHING`).
 */
export interface PublishBatching {
  /** How long the first publish of a batch waits for others to join it, in ms. 0: to the end of the current turn. */
  lingerMs: number;
  /** A batch is sent as soon as it holds this many bytes (keys, values and headers, counted in characters)… */
  maxBatchBytes: number;
  /** …or this many records. A single publish larger than either is sent alone. */
  maxBatchRecords: number;
  /** Produce requests in flight at once; publishes made meanwhile gather for the next one. */
  maxInFlight: number;
  /**
   * Bytes published and not yet acknowledged (queued or in flight). Past it a publish waits for room,
   * up to the publish timeout, then fails with `BusFullError` having written nothing.
   */
  maxBufferedBytes: number;
}

export const DEFAULT_PUBLISH_BATCHING: PublishBatching = {
  lingerMs: 2,
  maxBatchBytes: 1024 * 1024,
  maxBatchRecords: 10_000,
  maxInFlight: 2,
  maxBufferedBytes: 64 * 1024 * 1024,
};

/** One `publish` call on its way: its records, and what became of them when its batch had to be split. */
export interface PendingPublish {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
  readonly bytes: number;
  /** Set once a produce request carrying these records has been started. */
  sent: boolean;
  /** Set when these records, sent alone, failed although the batch's failure was not theirs alone. */
  error?: unknown;
}

export interface PublishBatcherOptions {
  /** Writes the records of several publishes in one request (acks all); rejects if any of them failed. */
  send(batch: readonly PendingPublish[]): Promise<void>;
  /**
   * Whether an error means the broker refused particular records (too large, a bad topic name) rather
   * than being unavailable: then the batch's publishes are sent again one by one, so each caller gets
   * the answer for its own records and one bad record does not fail its neighbours.
   */
  isRecordRefusal(error: unknown): boolean;
  /** How long a publish may take, queueing included, before it fails with `BusUnavailableError`. */
  timeoutMs: number;
  batching?: Partial<PublishBatching>;
}

function messageBytes(message: OutgoingMessage): number {
  let bytes = message.key.length + message.value.length;
  if (message.headers)
    for (const name in message.headers) bytes += name.length + (message.headers[name]?.length ?? 0);
  return bytes;
}

/**
 * Groups concurrent publishes into shared produce requests, for any Kafka client behind the `Bus`:
 * 64 single-event webhook deliveries in flight cost a handful of acks-all round trips rather than 64.
 * Each `publish` resolves only when the broker acknowledged its own records, and rejects with the
 * error of the request that carried them; a call's records stay together and in order.
 */
export class PublishBatcher {
  readonly settings: PublishBatching;
  private readonly coalescer: BatchCoalescer<PendingPublish>;

  constructor(private readonly options: PublishBatcherOptions) {
    this.settings = { ...DEFAULT_PUBLISH_BATCHING, ...options.batching };
    this.coalescer = new BatchCoalescer<PendingPublish>((group) => this.sendGroup(group), {
      maxItems: this.settings.maxBatchRecords,
      maxInFlight: this.settings.maxInFlight,
      lingerMs: this.settings.lingerMs,
      countOf: (entry) => entry.messages.length,
      bytesOf: (entry) => entry.bytes,
      maxRunBytes: this.settings.maxBatchBytes,
      maxPendingBytes: this.settings.maxBufferedBytes,
    });
  }

  /**
   * Resolves once the records are acknowledged. Rejects with the send's own error, or with
   * `BusUnavailableError` after `timeoutMs` (`BusFullError` when the records never left the buffer:
   * nothing of them was written; otherwise the send may still land later).
   */
  async publish(topic: string, messages: readonly OutgoingMessage[], what: string): Promise<void> {
    let bytes = 0;
    for (const message of messages) bytes += messageBytes(message);
    const entry: PendingPublish = { topic, messages, bytes, sent: false };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(this.timeout(entry, what)), this.options.timeoutMs);
    try {
      await Promise.race([
        this.coalescer.submit([entry], { signal: controller.signal }),
        rejectOnAbort(controller.signal),
      ]);
    } finally {
      clearTimeout(timer);
    }
    if (entry.error !== undefined) throw entry.error;
  }

  /** Sends everything queued, and resolves once every send in flight has settled. */
  flush(): Promise<void> {
    return this.coalescer.flush();
  }

  private timeout(entry: PendingPublish, what: string): BusUnavailableError {
    const ms = this.options.timeoutMs;
    if (entry.sent) return new BusUnavailableError(`${what} did not finish within ${ms} ms`);
    return new BusFullError(
      `${what}: the producer buffer stayed full for ${ms} ms (${this.settings.maxBufferedBytes} bytes unacknowledged); nothing was written`,
    );
  }

  private async sendGroup(group: PendingPublish[]): Promise<void> {
    for (const entry of group) entry.sent = true;
    try {
      await this.options.send(group);
    } catch (error) {
      // Unavailable (a broker down, a timeout): every publish of the batch fails with it, and no other.
      if (group.length === 1 || !this.options.isRecordRefusal(error)) throw error;
      // Refused records: find whose, so that only their publisher hears of it.
      await Promise.all(
        group.map((entry) =>
          this.options.send([entry]).catch((alone: unknown) => {
            entry.error = alone;
          }),
        ),
      );
    }
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
