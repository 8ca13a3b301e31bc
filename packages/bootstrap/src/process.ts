import { ConfigError, ShutdownRegistry } from '@vigil/runtime';
import { createLogger, type Logger } from '@vigil/telemetry';
import { startTracing } from './tracing-sdk';

export interface ProcessContext {
  logger: Logger;
  shutdown: ShutdownRegistry;
}

/**
 * Runs a service's `main`: tracing first, then the service's own wiring; a configuration error is
 * printed plainly and exits 2, any other start-up failure exits 1 after stopping what had started.
 */
export function runService(
  name: string,
  main: (ctx: ProcessContext) => Promise<void>,
  options: { logLevel?: string; shutdownTimeoutMs?: number } = {},
): void {
  const logger = createLogger({ name, level: options.logLevel ?? process.env.LOG_LEVEL ?? 'info' });
  const tracing = startTracing(name, process.env);
  const shutdown = new ShutdownRegistry(logger, options.shutdownTimeoutMs ?? 30_000);
  shutdown.register('tracing', () => tracing.shutdown());
  shutdown.installSignalHandlers();
  main({ logger, shutdown }).catch(async (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      await shutdown.shutdown('configuration error');
      process.exit(2);
    }
    logger.error({ err: error }, 'start-up failed');
    await shutdown.shutdown('start-up failed');
    process.exit(1);
  });
}
