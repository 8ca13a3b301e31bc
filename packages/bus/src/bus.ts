/** One record to write. `key` picks the partition: records with one key keep their order. */
export interface OutgoingMessage {
  key: string;
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  /** Decimal string, as Kafka gives it (offsets can pass 2^53). */
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  /** Milliseconds since the epoch when the record was appended. */
  timestamp: number;
}

export interface IncomingBatch {
  topic: string;
  partition: number;
  messages: IncomingMessage[];
  /** Long handlers call this so the group does not think the member died. */
  heartbeat(): Promise<void>;
  /**
   * Kafka only: delivers this partition again from `fromOffset` when given (an offset the caller knows
   * to be at or before every record appended since `toTimeMs`), else from its first record stamped at or
   * after `toTimeMs` (epoch ms; Kafka ListOffsets), in either case no earlier than the partition's log
   * start. Resolves with that offset. If it is before this batch's first record, nothing of this batch
   * is committed and the handler should return without processing it; otherwise (nothing earlier to
   * replay) it resolves with the batch's first offset and the batch goes on as usual. Used to rebuild
   * state that was lost, by replaying the log.
   */
  rewind?(toTimeMs: number, fromOffset?: string): Promise<string>;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /** A new group starts at the earliest retained record (default) rather than the latest. */
  fromBeginning?: boolean;
  /**
   * Called once per batch, one partition at a time (see `partitionsConsumedConcurrently`), never two
   * batches of one partition at once. Resolving commits every offset of the batch; throwing commits
   * nothing, and the same batch comes again after a back-off (at-least-once) while the member's
   * other partitions keep flowing.
   */
  eachBatch(batch: IncomingBatch): Promise<void>;
  /** How many of this member's partitions may be in `eachBatch` at once. Default 1. */
  partitionsConsumedConcurrently?: number;
}

export interface Subscription {
  /** Stops fetching, lets the batch in flight finish and commit, then leaves the group. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The stream Vigil runs on: Kafka when `KAFKA_BROKERS` is set, otherwise the embedded in-process bus.
 * Both keep the same contract (see `bus-contract.ts`).
 */
export interface Bus {
  readonly kind: 'kafka' | 'embedded';
  /** Connects the producer. Must be called before `publish`. */
  start(): Promise<void>;
  /**
   * Resolves only once every message is durable (Kafka: acknowledged by all in-sync replicas).
   * Rejects with `BusUnavailableError` when the bus cannot take writes.
   */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Stops every subscription, then disconnects. Idempotent. */
  stop(): Promise<void>;
}

/** The bus cannot take or give records right now; the caller should answer 503 / retry later. */
export class BusUnavailableError extends Error {
  override readonly name: string = 'BusUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The embedded bus holds as many unread records as it may: back-pressure, not loss. Retry after the
 * consumers have caught up (seconds); nothing of the refused publish was written.
 */
export class BusFullError extends BusUnavailableError {
  override readonly name = 'BusFullError';
}
