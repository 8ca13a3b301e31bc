import { armFaultPoint, ConfigError, errorMessage, ShutdownRegistry } from '@vigil/runtime';
import { createLogger, type Logger } from '@vigil/telemetry';
import { devSecretsInUse } from './dev-secrets';
import { startTracing, takeEarlyTracing } from './tracing-sdk';

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
  const publicSecrets = process.env.NODE_ENV === 'production' ? devSecretsInUse(process.env) : [];
  if (publicSecrets.length > 0) {
    process.stderr.write(
      `${name}: refusing to start with NODE_ENV=production: ${publicSecrets.join(', ')} hold(s) the public development ` +
        'secrets of config/dev.env; set secrets of your own (docs/deploy.md)\n',
    );
    process.exit(2);
  }
  const logger = createLogger({ name, level: options.logLevel ?? process.env.LOG_LEVEL ?? 'info' });
  armFaultPointOrExit(name, logger);
  const tracing = takeEarlyTracing() ?? startTracing(name, process.env);
  const shutdown = new ShutdownRegistry(logger, options.shutdownTimeoutMs ?? 30_000);
  shutdown.register('tracing', () => tracing.shutdown());
  shutdown.installSignalHandlers();
  main({ logger, shutdown }).then(() => logger.info({ pid: process.pid, node: process.version }, 'started'), async (error: unknown) => {
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

/** The fault suite's crash point (`VIGIL_FAULT_POINT`): said loudly when set, refused when misspelt. */
function armFaultPointOrExit(name: string, logger: Logger): void {
  try {
    const point = armFaultPoint(process.env);
    if (point) logger.warn({ faultPoint: point }, 'VIGIL_FAULT_POINT is set: this process will SIGKILL itself there (fault tests only)');
  } catch (error) {
    process.stderr.write(`${name}: ${errorMessage(error)}\n`);
    process.exit(2);
  }
}
