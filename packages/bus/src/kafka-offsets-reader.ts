import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Logger } from '@vigil/telemetry';
import { kafkaLogCreator } from './kafka-log-creator';
import type { KafkaSecurity } from './kafka-security';

export interface KafkaOffsetsReaderOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** TLS and SASL (`kafkaSecurityFromEnv`); none: plaintext. */
  security?: KafkaSecurity;
  /** Per-request timeout; short, so a watchdog round never hangs on a sick broker. Default 5000. */
  requestTimeoutMs?: number;
}

/**
 * Kafka's admin view of offsets: each partition's log start and end, and what a consumer group has
 * committed. Read-only; for watching the pipeline from outside its consumers.
 */
export class KafkaOffsetsReader {
  private readonly admin: Admin;
  private connecting: Promise<void> | undefined;

  constructor(options: KafkaOffsetsReaderOptions) {
    const kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ...options.security,
      connectionTimeout: 1_000,
      requestTimeout: options.requestTimeoutMs ?? 5_000,
      retry: { retries: 1, initialRetryTime: 200 },
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(options.logger),
    });
    this.admin = kafka.admin();
  }

  async topicOffsets(topic: string): Promise<Array<{ partition: number; low: string; high: string }>> {
    await this.connect();
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
  }

  /** `-1` for partitions the group has committed nothing on. */
  async groupOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string }>> {
    await this.connect();
    const [entry] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return (entry?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset }));
  }

  async stop(): Promise<void> {
    await this.admin.disconnect();
  }

  /** One connect at a time; a failed one is forgotten so the next call tries again. */
  private connect(): Promise<void> {
    this.connecting ??= this.admin.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }
}
