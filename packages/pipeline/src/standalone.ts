import type { Bus } from '@vigil/bus';
import type { VigilMetrics } from '@vigil/health';
import type { Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { startAlerter } from './alerter-service';
import { startApi } from './api-service';
import type { StandaloneConfig } from './config';
import { startDetector } from './detector-service';
import { startIngest } from './ingest-service';
import { orderedStop, type RunningService } from './running-service';
import { createServiceBus } from './service-bus';

export interface Standalone {
  bus: Bus;
  services: RunningService[];
  ingestUrl: string;
  apiUrl: string;
  stop(): Promise<void>;
}

/**
 * All four services in one process on one bus: Kafka when `KAFKA_BROKERS` is set, the embedded bus
 * otherwise. Consumers start before ingest listens, and stop after it has closed, so nothing accepted
 * is left unread at shutdown.
 */
export async function startStandalone(
  config: StandaloneConfig,
  deps: { logger: Logger; clock: Clock; env: NodeJS.ProcessEnv; metrics: VigilMetrics },
): Promise<Standalone> {
  const bus = createServiceBus(config, { service: '', logger: deps.logger, metrics: deps.metrics });
  await bus.start();
  deps.logger.info({ bus: bus.kind }, 'bus started');
  const started: RunningService[] = [];
  try {
    // One process, one registry: the api and ingest serve /metrics and /readyz for all four.
    started.push(await startAlerter(config, { bus, ...deps, adminPort: false }));
    started.push(await startDetector(config, { bus, ...deps, adminPort: false }));
    started.push(await startApi(config, deps));
    started.push(await startIngest(config, { bus, ...deps }));
  } catch (error) {
    for (const service of [...started].reverse()) await service.stop().catch(() => undefined);
    await bus.stop().catch(() => undefined);
    throw error;
  }
  const stop = orderedStop([...[...started].reverse().map((s) => () => s.stop()), () => bus.stop()]);
  return {
    bus,
    services: started,
    ingestUrl: started.find((s) => s.name === 'ingest')?.url ?? '',
    apiUrl: started.find((s) => s.name === 'api')?.url ?? '',
    stop,
  };
}
