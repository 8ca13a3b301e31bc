import { runService } from '@vigil/bootstrap';
import { VigilMetrics } from '@vigil/health';
import { announceReady, createServiceBus, loadAlerterConfig, startAlerter } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';

runService('vigil-alerter', async ({ logger, shutdown }) => {
  const config = loadAlerterConfig(process.env);
  const metrics = new VigilMetrics({ service: 'alerter' });
  const bus = createServiceBus(config, { service: 'alerter', logger, metrics });
  await bus.start();
  shutdown.register('bus', bus);
  const alerter = await startAlerter(config, { bus, logger, clock: systemClock, metrics, env: process.env });
  shutdown.register('alerter', alerter);
  await announceReady([alerter], logger);
});
