import { runService } from '@vigil/bootstrap';
import { createBus } from '@vigil/bus';
import { loadDetectorConfig, startDetector } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';

runService('vigil-detector', async ({ logger, shutdown }) => {
  const config = loadDetectorConfig(process.env);
  const bus = createBus({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-detector`, logger, maxWaitTimeMs: config.KAFKA_FETCH_MAX_WAIT_MS });
  await bus.start();
  shutdown.register('bus', bus);
  shutdown.register('detector', await startDetector(config, { bus, logger, clock: systemClock }));
});
