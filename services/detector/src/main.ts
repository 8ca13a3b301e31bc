import { runService } from '@vigil/bootstrap';
import { VigilMetrics } from '@vigil/health';
import { announceReady, createServiceBus, loadDetectorConfig, startDetector } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';

runService('vigil-detector', async ({ logger, shutdown }) => {
  const config = loadDetectorConfig(process.env);
  const metrics = new VigilMetrics({ service: 'detector' });
  const bus = createServiceBus(config, { service: 'detector', logger, metrics });
  await bus.start();
  shutdown.register('bus', bus);
  const detector = await startDetector(config, { bus, logger, clock: systemClock, metrics });
  shutdown.register('detector', detector);
  await announceReady([detector], logger);
});
