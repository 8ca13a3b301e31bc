import { runService } from '@vigil/bootstrap';
import { VigilMetrics } from '@vigil/health';
import { announceReady, createServiceBus, loadIngestConfig, startIngest } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';

runService('vigil-ingest', async ({ logger, shutdown }) => {
  const config = loadIngestConfig(process.env);
  const metrics = new VigilMetrics({ service: 'ingest' });
  const bus = createServiceBus(config, { service: 'ingest', logger, metrics });
  await bus.start();
  shutdown.register('bus', bus);
  const ingest = await startIngest(config, { bus, logger, clock: systemClock, env: process.env, metrics });
  shutdown.register('ingest', ingest);
  await announceReady([ingest], logger);
});
