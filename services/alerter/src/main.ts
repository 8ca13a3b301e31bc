import { runService } from '@vigil/bootstrap';
import { createBus } from '@vigil/bus';
import { loadAlerterConfig, startAlerter } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';

runService('vigil-alerter', async ({ logger, shutdown }) => {
  const config = loadAlerterConfig(process.env);
  const bus = createBus({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-alerter`, logger, maxWaitTimeMs: config.KAFKA_FETCH_MAX_WAIT_MS });
  await bus.start();
  shutdown.register('bus', bus);
  shutdown.register('alerter', await startAlerter(config, { bus, logger, clock: systemClock }));
});
