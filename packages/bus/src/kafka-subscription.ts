import type { Admin, Consumer, ConsumerCrashEvent, Kafka } from 'kafkajs';
import type { Logger } from '@vigil/telemetry';
import { backoffDelay, type RetryBackoff } from './backoff';
import { BusUnavailableError, type SubscribeOptions, type Subscription } from './bus';
import { KafkaBatchHandler } from './kafka-batch-handler';

/** Consumer-group timings; `KafkaBus` documents the defaults. */
export interface KafkaConsumerSettings {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxWaitTimeMs: number;
  retryBackoff: RetryBackoff;
}

/** One member of a consumer group: a kafkajs consumer that is restarted rather than left dead. */
export class KafkaSubscription implements Subscription {
  private readonly consumer: Consumer;
  private readonly handler: KafkaBatchHandler;
  private readonly log: Logger;
  private stopping: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private crashes = 0;
  private admin: Admin | undefined;

  constructor(
    kafka: Kafka,
    private readonly options: SubscribeOptions,
    private readonly settings: KafkaConsumerSettings,
    logger: Logger,
    private readonly onStopped: (subscription: KafkaSubscription) => void,
  ) {
    this.log = logger.child({ groupId: options.groupId, topics: options.topics });
    this.handler = new KafkaBatchHandler(
      options.eachBatch,
      settings.retryBackoff,
      this.log,
      {
        offsetsAt: (topic, timeMs) => this.offsetsAt(kafka, topic, timeMs),
        logStarts: async (topic) => (await this.connectedAdmin(kafka)).fetchTopicOffsets(topic),
        seek: (target) => this.consumer.seek(target),
        pause: (topic, partition) => this.consumer.pause([{ topic, partitions: [partition] }]),
        resume: (topic, partition) => this.consumer.resume([{ topic, partitions: [partition] }]),
        commit: (offsets) => this.consumer.commitOffsets(offsets),
      },
      options.partitionsConsumedConcurrently ?? 1,
    );
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      rebalanceTimeout: settings.rebalanceTimeoutMs,
      maxWaitTimeInMs: settings.maxWaitTimeMs,
      allowAutoTopicCreation: true,
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => this.onCrash(event));
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.crashes = 0;
      this.handler.onAssigned(payload.memberAssignment);
      // Info: one line per rebalance, so an operator (and the failover bench) sees who owns what.
      this.log.info({ assignment: payload.memberAssignment }, 'joined consumer group');
    });
  }

  /** Resolves once this member has joined the group and received its partitions. */
  async start(): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({
        topics: this.options.topics,
        fromBeginning: this.options.fromBeginning ?? true,
      });
      await this.run();
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw new BusUnavailableError(`could not join consumer group ${this.options.groupId}`, {
        cause: error,
      });
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async offsetsAt(kafka: Kafka, topic: string, timeMs: number) {
    return (await this.connectedAdmin(kafka)).fetchTopicOffsetsByTimestamp(topic, timeMs);
  }

  private async connectedAdmin(kafka: Kafka): Promise<Admin> {
    this.admin ??= kafka.admin();
    await this.admin.connect();
    return this.admin;
  }

  private run(): Promise<void> {
    return this.consumer.run({
      // The handler resolves a batch's offsets once it queued them (so kafkajs fetches ahead) and
      // commits them itself, only after the bus handler's run that took them resolved.
      eachBatchAutoResolve: false,
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: this.handler.handle,
    });
  }

  /**
   * kafkajs restarts by itself after retriable failures. After a non-retriable one it leaves the
   * consumer dead, which for a pipeline means silently stopped processing; so it is restarted here,
   * with a growing delay.
   */
  private onCrash({ payload }: ConsumerCrashEvent): void {
    this.crashes += 1;
    this.log.error({ err: payload.error, restartedByKafkajs: payload.restart }, 'kafka consumer crashed');
    if (payload.restart || this.stopping) return;
    const delayMs = backoffDelay(this.crashes, this.settings.retryBackoff);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.log.warn({ attempt: this.crashes }, 'restarting kafka consumer');
      this.run().catch((error: unknown) => this.log.error({ err: error }, 'kafka consumer restart failed'));
    }, delayMs);
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.restartTimer);
    try {
      // The runs in flight finish and commit; then the member leaves the group and disconnects.
      await this.handler.stop();
      await this.consumer.disconnect();
      await this.admin?.disconnect();
    } finally {
      this.onStopped(this);
    }
  }
}
