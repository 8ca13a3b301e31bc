import { Kafka, logLevel, type Message, type Producer, type RetryOptions } from 'kafkajs';
import type { Logger } from '@vigil/telemetry';
import { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from './backoff';
import {
  BusUnavailableError,
  type Bus,
  type OutgoingMessage,
  type SubscribeOptions,
  type Subscription,
} from './bus';
import { withDeadline } from './deadline';
import { createKeyPartitioner } from './key-partitioner';
import { shutDownBus } from './bus-shutdown';
import type { KafkaSecurity } from './kafka-security';
import { kafkaLogCreator, type KafkaLogHooks } from './kafka-log-creator';
import { isRecordRefusal, publishError } from './kafka-publish-error';
import { toKafkaMessage } from './kafka-message';
import { KafkaSubscription, type KafkaConsumerSettings } from './kafka-subscription';
import { PublishBatcher, type PendingPublish, type PublishBatching } from './publish-batcher';

export interface KafkaBusOptions {
  brokers: string[];
  /** TLS and SASL (`kafkaSecurityFromEnv`); none: plaintext. */
  security?: KafkaSecurity;
  clientId: string;
  logger: Logger;
  /** `start` and `publish` give up after this long with `BusUnavailableError`. Default 5000. */
  publishTimeoutMs?: number;
  /** TCP connect timeout per broker. Default 1000 (kafkajs's). */
  connectionTimeoutMs?: number;
  /** Per-request timeout. Default 30000 (kafkajs's). */
  requestTimeoutMs?: number;
  /**
   * A member that has not heartbeated for this long is dropped from its group, and its partitions
   * move: this bounds how long a killed consumer's partitions sit idle. Default 6000, the least
   * Kafka brokers accept by default (`group.min.session.timeout.ms`); kafkajs's own default is
   * 30000. The librdkafka mock broker used in tests also waits this long minus one second for
   * members to rejoin during every rebalance, so a failover there takes about twice this.
   */
  sessionTimeoutMs?: number;
  /** Default 1000; a third of the session timeout or less. */
  heartbeatIntervalMs?: number;
  /** How long the group waits for live members to rejoin during a rebalance. Default 15000. */
  rebalanceTimeoutMs?: number;
  /**
   * Longest a fetch waits on the broker for new records. Default 1000 (kafkajs: 5000): it bounds
   * how long `stop()` and a resumed partition wait behind an idle fetch.
   */
  maxWaitTimeMs?: number;
  /** Back-off before a failed batch comes again. Default 500 ms doubling to 10 s. */
  retryBackoff?: RetryBackoff;
  /** Hooks on kafkajs's own log lines (offset resets). */
  logHooks?: KafkaLogHooks;
  /** How concurrent publishes share produce requests; each unset field keeps its default. */
  publishBatching?: Partial<PublishBatching>;
}

/**
 * kafkajs picks gentler retry defaults when NODE_ENV is "test"; naming them keeps tests and
 * production on the same behaviour.
 */
const CLIENT_RETRY: RetryOptions = {
  initialRetryTime: 300,
  maxRetryTime: 10_000,
  retries: 5,
  factor: 0.2,
  multiplier: 2,
};

/**
 * The bus on Kafka. Records of one key keep their order within a `publish` call and across calls
 * awaited one after the other.
 */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly logger: Logger;
  private readonly publishTimeoutMs: number;
  private readonly consumerSettings: KafkaConsumerSettings;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private connecting: Promise<void> | undefined;
  private readonly publishes: PublishBatcher;
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(options: KafkaBusOptions) {
    this.logger = options.logger.child({ component: 'kafka-bus' });
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.consumerSettings = {
      sessionTimeoutMs: options.sessionTimeoutMs ?? 6_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 15_000,
      maxWaitTimeMs: options.maxWaitTimeMs ?? 1_000,
      retryBackoff: options.retryBackoff ?? DEFAULT_RETRY_BACKOFF,
    };
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ...options.security,
      connectionTimeout: options.connectionTimeoutMs ?? 1_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      retry: CLIENT_RETRY,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(options.logger, options.logHooks),
    });
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: true,
      // Kafka's own murmur2 partitioner, so a key lands where Java and librdkafka clients put it.
      createPartitioner: createKeyPartitioner,
      // kafkajs's idempotent producer fails with OUT_OF_ORDER_SEQUENCE_NUMBER under concurrent
      // sends (kafkajs #598); consumers are at-least-once anyway, so a retried send's duplicate is fine.
      idempotent: false,
    });
    this.publishes = new PublishBatcher({
      send: (group) => this.produce(group),
      isRecordRefusal,
      timeoutMs: this.publishTimeoutMs,
      ...(options.publishBatching ? { batching: options.publishBatching } : {}),
    });
  }

  /** Connects the producer; rejects with `BusUnavailableError` when no broker answers in time. */
  async start(): Promise<void> {
    this.started = true;
    this.assertRunning();
    try {
      await withDeadline(this.connectProducer(), this.publishTimeoutMs, () =>
        this.timeout('connecting to Kafka'),
      );
    } catch (error) {
      throw publishError('connecting to Kafka', error);
    }
  }

  /**
   * Resolves once every in-sync replica has the records (acks -1). Publishes made concurrently share
   * produce requests (`PublishBatcher`); each still gets the answer for its own records. Rejects with
   * `BusUnavailableError` when Kafka cannot take them within `publishTimeoutMs` (the send may still
   * land later: a caller that retries can write a duplicate; `BusFullError` when they never left the
   * producer's buffer), and with `NonRetryableError` when Kafka refuses the records themselves (too
   * large, invalid topic name). Order: a call's records follow those of every call that resolved
   * before it was made.
   */
  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (!this.started) throw new Error('KafkaBus.start() must be called before publish()');
    this.assertRunning();
    if (messages.length === 0) return;
    const what = `publishing ${messages.length} record(s) to ${topic}`;
    try {
      await this.publishes.publish(topic, messages, what);
    } catch (error) {
      throw publishError(what, error);
    }
  }

  /** Resolves once the new member has joined its group. */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertRunning();
    const subscription = new KafkaSubscription(
      this.kafka,
      options,
      this.consumerSettings,
      this.logger,
      (stopped) => this.subscriptions.delete(stopped),
    );
    this.subscriptions.add(subscription);
    await subscription.start();
    return subscription;
  }

  /**
   * Stops every subscription (each drains its batch in flight, publishing what it must), sends the
   * publishes still queued and waits for their answers, then disconnects the producer.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private shutdown(): Promise<void> {
    return shutDownBus({
      subscriptions: this.subscriptions,
      flushPublishes: () => this.publishes.flush(),
      closeProducer: () => this.producer.disconnect(),
      flushDeadlineMs: this.publishTimeoutMs,
      logger: this.logger,
    });
  }

  private async produce(group: readonly PendingPublish[]): Promise<void> {
    await this.connectProducer();
    const byTopic = new Map<string, Message[]>();
    for (const entry of group) {
      const list = byTopic.get(entry.topic) ?? [];
      for (const message of entry.messages) list.push(toKafkaMessage(message));
      byTopic.set(entry.topic, list);
    }
    await this.producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      acks: -1,
      timeout: this.publishTimeoutMs,
    });
  }

  /** One connect at a time; a failed one is forgotten so the next publish tries again. */
  private connectProducer(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private assertRunning(): void {
    if (this.stopping) throw new BusUnavailableError('the Kafka bus is stopped');
  }

  private timeout(what: string): BusUnavailableError {
    return new BusUnavailableError(`${what} did not finish within ${this.publishTimeoutMs} ms`);
  }
}
