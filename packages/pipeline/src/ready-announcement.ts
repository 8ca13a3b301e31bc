import type { Logger } from '@vigil/telemetry';
import type { RunningService } from './running-service';

export interface ReadyOptions {
  /** How long to wait for a service's HTTP port to answer before saying it does not. Default 10 s. */
  timeoutMs?: number;
  /** Between tries. Default 100 ms. */
  intervalMs?: number;
  fetch?: typeof fetch;
}

/** What a person can open: a wildcard listen address is reached on localhost. */
export function reachableUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0' || parsed.hostname === '[::]' || parsed.hostname === '::') parsed.hostname = 'localhost';
  return parsed.origin;
}

/** Where a newcomer goes next, beyond the service's own address. */
const NEXT: Record<string, (url: string) => string> = {
  api: (url) => ` (dashboard ${url}/dashboard)`,
  ingest: (url) => ` (POST ${url}/v1/events/<source>)`,
};

/**
 * One line per service once it really answers: an HTTP service's `/livez` is asked from this process until
 * it says 200, so the line never comes before the port does. A service without a port of its own (the
 * detector and alerter in one process, or with their admin port off) is ready once started.
 * `{ready: true, service, url}` for machines; the URL in the words for people.
 */
export async function announceReady(
  services: readonly RunningService[],
  logger: Logger,
  options: ReadyOptions = {},
): Promise<boolean> {
  const results = await Promise.all(services.map((service) => announceOne(service, logger, options)));
  return results.every(Boolean);
}

async function announceOne(service: RunningService, logger: Logger, options: ReadyOptions): Promise<boolean> {
  if (!service.url) {
    logger.info({ ready: true, service: service.name }, `${service.name} ready (no HTTP port of its own)`);
    return true;
  }
  const url = reachableUrl(service.url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const get = options.fetch ?? fetch;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await get(`${url}/livez`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) {
        logger.info({ ready: true, service: service.name, url }, `${service.name} ready at ${url}${NEXT[service.name]?.(url) ?? ''}`);
        return true;
      }
    } catch {
      // not answering yet
    }
    if (Date.now() >= deadline) {
      logger.warn({ ready: false, service: service.name, url }, `${service.name} does not answer at ${url}/livez after ${timeoutMs} ms`);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
