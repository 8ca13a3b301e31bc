import type { Logger } from '@vigil/telemetry';
import type { Bus } from './bus';
import { EmbeddedBus } from './embedded-bus';
import { KafkaBus } from './kafka-bus';

export interface CreateBusOptions {
  /** Kafka bootstrap brokers (`KAFKA_BROKERS`); none means the embedded in-process bus. */
  brokers?: string[];
  clientId: string;
  logger: Logger;
  /** Kafka only: longest a fetch waits for records; shorter means lower latency, more requests. */
  maxWaitTimeMs?: number;
}

export function createBus({ brokers, clientId, logger, maxWaitTimeMs }: CreateBusOptions): Bus {
  const nonEmpty = (brokers ?? []).map((broker) => broker.trim()).filter((broker) => broker.length > 0);
  if (nonEmpty.length > 0) return new KafkaBus({ brokers: nonEmpty, clientId, logger, ...(maxWaitTimeMs ? { maxWaitTimeMs } : {}) });
  return new EmbeddedBus({ logger });
}
