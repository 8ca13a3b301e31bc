import type { Bus } from '@vigil/bus';
import type { Clock } from '@vigil/runtime';
import { topicNames } from '@vigil/schema';
import { buildIngestServer, loadSourcesConfig } from '@vigil/sources';
import type { Logger } from '@vigil/telemetry';
import type { IngestConfig } from './config';
import { orderedStop, type RunningService } from './running-service';

/** Ingest HTTP server on a started bus. The bus is the caller's: it may be shared with other services. */
export async function startIngest(
  config: IngestConfig,
  deps: { bus: Bus; logger: Logger; clock: Clock; env: NodeJS.ProcessEnv },
): Promise<RunningService> {
  const logger = deps.logger.child({ service: 'ingest' });
  const sources = loadSourcesConfig(config.SOURCES_FILE, deps.env);
  const server = buildIngestServer({
    bus: deps.bus,
    topics: topicNames(config.TOPIC_PREFIX),
    sources,
    logger,
    clock: deps.clock,
    bodyLimit: config.INGEST_BODY_LIMIT,
  });
  const url = await server.listen({ port: config.INGEST_PORT, host: config.INGEST_HOST });
  logger.info({ url, sources: sources.map((s) => `${s.name} (${s.format})`) }, 'ingest listening');
  return { name: 'ingest', url, stop: orderedStop([() => server.close()]) };
}
