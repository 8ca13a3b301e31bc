import { runService } from '@vigil/bootstrap';
import { loadApiConfig, startApi } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';

runService('vigil-api', async ({ logger, shutdown }) => {
  const config = loadApiConfig(process.env);
  shutdown.register('api', await startApi(config, { logger, clock: systemClock }));
});
