import { createBus, KafkaOffsetsReader, kafkaSecurityFromEnv, type Bus } from '@vigil/bus';
import type { VigilMetrics } from '@vigil/health';
import type { Logger } from '@vigil/telemetry';
import { busSettings, type CommonConfig } from './config';

/** The bus a service process runs on, counting kafkajs's offset resets into the process's metrics. */
export function createServiceBus(config: CommonConfig, deps: { service: string; logger: Logger; metrics: VigilMetrics }): Bus {
  return createBus({
    ...busSettings(config),
    clientId: deps.service ? `${config.KAFKA_CLIENT_ID}-${deps.service}` : config.KAFKA_CLIENT_ID,
    logger: deps.logger,
    // TLS / SASL from KAFKA_SSL_* / KAFKA_SASL_* (and their _FILE variants); a wrong one is a ConfigError at start.
    security: kafkaSecurityFromEnv(process.env),
    logHooks: { onOffsetOutOfRange: () => deps.metrics.offsetReset() },
  });
}

/** Kafka's admin view of offsets for readiness and the watchdog; none on the embedded bus. */
export function createOffsetsReader(config: CommonConfig, deps: { service: string; logger: Logger }): KafkaOffsetsReader | undefined {
  if (!config.KAFKA_BROKERS) return undefined;
  return new KafkaOffsetsReader({
    brokers: config.KAFKA_BROKERS,
    clientId: `${config.KAFKA_CLIENT_ID}-${deps.service}-admin`,
    logger: deps.logger,
    security: kafkaSecurityFromEnv(process.env),
  });
}
