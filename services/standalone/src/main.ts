import { runService } from '@vigil/bootstrap';
import { VigilMetrics } from '@vigil/health';
import { announceReady, loadStandaloneConfig, startStandalone } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';

// All four services in one process: the README's first command.
runService('vigil', async ({ logger, shutdown }) => {
  const config = loadStandaloneConfig(process.env);
  const vigil = await startStandalone(config, { logger, clock: systemClock, env: process.env, metrics: new VigilMetrics({ service: 'vigil' }) });
  shutdown.register('vigil', vigil);
  await announceReady(vigil.services, logger);
  logger.info({ ingest: vigil.ingestUrl, api: vigil.apiUrl, bus: vigil.bus.kind }, 'vigil is running');
});
