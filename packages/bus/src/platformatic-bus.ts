import { compatibilityPartitioner, Producer, ProduceAcks, type MessageToProduce } from '@platformatic/kafka';
import type { Logger } from '@vigil/telemetry';
import { DEFAULT_RETRY_BACKOFF } from './backoff';
import {
  BusUnavailableError,
  type Bus,
  type OutgoingMessage,
  type SubscribeOptions,
  type Subscription,
} from './bus';
import { withDeadline } from './deadline';
import { shutDownBus } from './bus-shutdown';
import type { KafkaBusOptions } from './kafka-bus';
import { isRecordRefusal, publishError } from './kafka-publish-error';
import { platformaticSecurity } from './platformatic-security';
import type { PlatformaticConsumerSettings } from './platformatic-settings';
import { PlatformaticSubscription } from './platformatic-subscription';
import { PublishBatcher, type PendingPublish } from './publish-batcher';

/** The same options as `KafkaBus` (kafkajs); of `logHooks`, the offset-reset count is kept. */
export type PlatformaticBusOptions = KafkaBusOptions;

/**
 * The bus on Kafka through @platformatic/kafka (pure TypeScript, Node ≥ 22), selected with
 * `KAFKA_CLIENT=platformatic`. Same contract and defaults as `KafkaBus`.
 */
export class PlatformaticBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly producer: Producer<string, string | Buffer, string, string>;
  private readonly logger: Logger;
  private readonly settings: PlatformaticConsumerSettings;
  private readonly subscriptions = new Set<PlatformaticSubscription>();
  private readonly publishTimeoutMs: number;
  private readonly publishes: PublishBatcher;
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(options: PlatformaticBusOptions) {
    this.logger = options.logger.child({ component: 'kafka-bus', client: 'platformatic' });
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.publishes = new PublishBatcher({
      send: (group) => this.produce(group),
      isRecordRefusal,
      timeoutMs: this.publishTimeoutMs,
      ...(options.publishBatching ? { batching: options.publishBatching } : {}),
    });
    const connection = {
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      connectTimeout: options.connectionTimeoutMs ?? 1_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      autocreateTopics: true,
      // kafkajs's default; leader moves are picked up from the errors they cause. A short age also makes
      // a follower's SyncGroup wait for a metadata request (see PlatformaticSubscription's assigner).
      metadataMaxAge: 300_000,
      ...platformaticSecurity(options.security),
    };
    this.settings = {
      connection,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 6_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 15_000,
      maxWaitTimeMs: options.maxWaitTimeMs ?? 1_000,
      retryBackoff: options.retryBackoff ?? DEFAULT_RETRY_BACKOFF,
      ...(options.logHooks?.onOffsetOutOfRange
        ? { onOffsetOutOfRange: options.logHooks.onOffsetOutOfRange }
        : {}),
    };
    this.producer = new Producer({
      ...connection,
      retries: 3,
      retryDelay: 250,
      acks: ProduceAcks.ALL,
      // Kafka's Java partitioner (murmur2 & 0x7fffffff): a key lands where kafkajs and librdkafka put it.
      // The library's default (murmur2 >>> 0) would move keys to other partitions.
      partitioner: compatibilityPartitioner,
      serializers: {
        key: (key?: string) => (key === undefined ? undefined : Buffer.from(key, 'utf8')),
        value: (value?: string | Buffer) =>
          value === undefined ? undefined : typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
        headerKey: (name?: string) => (name === undefined ? undefined : Buffer.from(name, 'utf8')),
        headerValue: (value?: string) => (value === undefined ? undefined : Buffer.from(value, 'utf8')),
      },
    });
  }

  /** Checks that a broker answers; rejects with `BusUnavailableError` when none does in time. */
  async start(): Promise<void> {
    this.started = true;
    this.assertRunning();
    const what = 'connecting to Kafka';
    try {
      await withDeadline(this.producer.metadata({ topics: [] }), this.publishTimeoutMs, () =>
        this.timeout(what),
      );
    } catch (error) {
      throw publishError(what, error);
    }
  }

  /** Resolves once every in-sync replica has the records (acks -1); the same answers as `KafkaBus.publish`. */
  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (!this.started) throw new Error('PlatformaticBus.start() must be called before publish()');
    this.assertRunning();
    if (messages.length === 0) return;
    const what = `publishing ${messages.length} record(s) to ${topic}`;
    try {
      await this.publishes.publish(topic, messages, what);
    } catch (error) {
      throw publishError(what, error);
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertRunning();
    const subscription = new PlatformaticSubscription(options, this.settings, this.logger, (stopped) =>
      this.subscriptions.delete(stopped),
    );
    this.subscriptions.add(subscription);
    await subscription.start();
    return subscription;
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** As `KafkaBus`: subscriptions drain, queued publishes settle, then the producer closes. */
  private shutdown(): Promise<void> {
    return shutDownBus({
      subscriptions: this.subscriptions,
      flushPublishes: () => this.publishes.flush(),
      closeProducer: () => this.producer.close(),
      flushDeadlineMs: this.publishTimeoutMs,
      logger: this.logger,
    });
  }

  private async produce(group: readonly PendingPublish[]): Promise<void> {
    const messages: MessageToProduce<string, string | Buffer, string, string>[] = [];
    for (const entry of group) {
      for (const message of entry.messages) {
        messages.push({
          topic: entry.topic,
          key: message.key,
          value: message.value,
          ...(message.headers ? { headers: message.headers } : {}),
        });
      }
    }
    await this.producer.send({ messages, acks: ProduceAcks.ALL });
  }

  private assertRunning(): void {
    if (this.stopping) throw new BusUnavailableError('the Kafka bus is stopped');
  }

  private timeout(what: string): BusUnavailableError {
    return new BusUnavailableError(`${what} did not finish within ${this.publishTimeoutMs} ms`);
  }
}
