import type { SourceDefinition, SourceFormat } from '../source-config';

/**
 * A source definition for deliveries that do not come over HTTP (replayed files, polled APIs):
 * `ingestDelivery` reads only the name and the format, and no sender credential applies.
 */
export function deliverySource(name: string, format: SourceFormat): SourceDefinition {
  return {
    name,
    format,
    auth: { type: 'bearer', secretEnv: 'NOT_APPLICABLE' },
    secret: '',
    rateLimit: { eventsPerSecond: Number.MAX_SAFE_INTEGER, burst: Number.MAX_SAFE_INTEGER },
  };
}
