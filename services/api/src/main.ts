import { runService } from '@vigil/bootstrap';
import { VigilMetrics } from '@vigil/health';
import { announceReady, loadApiConfig, startApi } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';

runService('vigil-api', async ({ logger, shutdown }) => {
  const config = loadApiConfig(process.env);
  const metrics = new VigilMetrics({ service: 'api' });
  const api = await startApi(config, { logger, clock: systemClock, metrics });
  shutdown.register('api', api);
  await announceReady([api], logger);
});
