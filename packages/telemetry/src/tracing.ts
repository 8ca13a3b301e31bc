import { context, propagation, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';

/** The one tracer name used across packages; the SDK (set up in each service) decides where spans go. */
export const tracer = trace.getTracer('vigil');

/** Serialises the active (or given) context into a string map: Kafka headers, BullMQ job data. */
export function injectTrace(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The inverse of `injectTrace`; tolerates Kafka's Buffer header values. */
export function extractTrace(carrier: Record<string, string | Buffer | undefined> | undefined): Context {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(carrier ?? {})) {
    if (value !== undefined) flat[key] = typeof value === 'string' ? value : value.toString('utf8');
  }
  return propagation.extract(context.active(), flat);
}

/** Runs `fn` in a span under `parent`, records failures, always ends the span. */
export async function withSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : new Error(String(error)));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Names the HTTP server span of the request being handled after its route (`GET /v1/incidents/:id`) and sets
 * `http.route`, as the HTTP semantic conventions ask; the HTTP instrumentation alone knows only the method.
 * Does nothing when no span is recording (no SDK, or the request is not traced).
 */
export function nameServerSpan(method: string, route: string | undefined): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording() || !route) return;
  span.setAttribute('http.route', route);
  span.updateName(`${method} ${route}`);
}
