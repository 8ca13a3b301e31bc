import { runService } from '@vigil/bootstrap';
import { createBus } from '@vigil/bus';
import { loadIngestConfig, startIngest } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';

runService('vigil-ingest', async ({ logger, shutdown }) => {
  const config = loadIngestConfig(process.env);
  const bus = createBus({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-ingest`, logger, maxWaitTimeMs: config.KAFKA_FETCH_MAX_WAIT_MS });
  await bus.start();
  shutdown.register('bus', bus);
  shutdown.register('ingest', await startIngest(config, { bus, logger, clock: systemClock, env: process.env }));
});
