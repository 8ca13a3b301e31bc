import type { Logger } from '@vigil/telemetry';
import type { Bus } from './bus';
import { EmbeddedBus } from './embedded-bus';
import { KafkaBus } from './kafka-bus';
import { PlatformaticBus } from './platformatic-bus';
import type { KafkaSecurity } from './kafka-security';
import type { KafkaLogHooks } from './kafka-log-creator';
import type { PublishBatching } from './publish-batcher';

export interface CreateBusOptions {
  /** Kafka bootstrap brokers (`KAFKA_BROKERS`); none means the embedded in-process bus. */
  brokers?: string[];
  clientId: string;
  logger: Logger;
  /** Kafka only: longest a fetch waits for records; shorter means lower latency, more requests. */
  maxWaitTimeMs?: number;
  /** Kafka only: TLS and SASL (`kafkaSecurityFromEnv`). */
  security?: KafkaSecurity;
  /** Kafka only: consumer-group timings (see `KafkaBusOptions`); they decide how fast a dead member's partitions move. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  /** Kafka only: the client library (`KAFKA_CLIENT`); default kafkajs. */
  client?: KafkaClientName;
  /** Kafka only: hooks on kafkajs's log lines, e.g. counting offset resets. */
  logHooks?: KafkaLogHooks;
  /** Kafka only: how concurrent publishes share produce requests (`KAFKA_PRODUCE_*`). */
  publishBatching?: Partial<PublishBatching>;
}

/** The Kafka client libraries the bus can run on (docs/benchmarks.md compares them). */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];

export function createBus({ brokers, clientId, logger, client, ...settings }: CreateBusOptions): Bus {
  const nonEmpty = (brokers ?? []).map((broker) => broker.trim()).filter((broker) => broker.length > 0);
  if (nonEmpty.length > 0) {
    // Each Kafka bus gives every unset option its default, so the settings pass through typed as they are.
    if (client === 'platformatic')
      return new PlatformaticBus({ brokers: nonEmpty, clientId, logger, ...settings });
    return new KafkaBus({ brokers: nonEmpty, clientId, logger, ...settings });
  }
  return new EmbeddedBus({ logger });
}
