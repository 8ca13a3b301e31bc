import { ROOT_CONTEXT, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { injectTrace } from '@vigil/telemetry';
import { afterAll, beforeAll, vi } from 'vitest';
import { sampleIncident } from './testing/incident-samples';
import { describe, expect, test } from './testing/notifier-harness';

/** Just enough W3C trace context for the test; services install the SDK's propagator. */
const traceparent: TextMapPropagator = {
  inject(context, carrier, setter) {
    const span = trace.getSpanContext(context);
    if (span) setter.set(carrier, 'traceparent', `00-${span.traceId}-${span.spanId}-0${span.traceFlags}`);
  },
  extract(context, carrier, getter) {
    const value = getter.get(carrier, 'traceparent');
    const match = typeof value === 'string' ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-0(\d)$/.exec(value) : null;
    if (!match) return context;
    return trace.setSpanContext(context, {
      traceId: match[1]!,
      spanId: match[2]!,
      traceFlags: Number(match[3]),
      isRemote: true,
    });
  },
  fields: () => ['traceparent'],
};

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(traceparent);
  });
  afterAll(async () => {
    trace.disable();
    propagation.disable();
    await provider.shutdown();
  });

  test('the delivery span continues the trace that came in the job data', async ({ startNotifier }) => {
    const harness = await startNotifier();
    const incident = harness.store.putIncident(sampleIncident());
    const opened = harness.store.addNotification(incident.id, 'opened');
    const parent = provider.getTracer('test').startSpan('incident.commit');
    const carrier = injectTrace(trace.setSpan(ROOT_CONTEXT, parent));
    parent.end();

    await harness.notifier.enqueue([opened], carrier);
    // The span ends just after the delivery is recorded, so wait for the span itself.
    const delivery = await vi.waitFor(
      () => {
        const span = exporter.getFinishedSpans().find((finished) => finished.name === 'notify.deliver');
        expect(span).toBeDefined();
        return span;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(delivery?.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(delivery?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(delivery?.attributes).toMatchObject({
      'vigil.notification.id': opened.id,
      'vigil.notification.outcome': 'delivered',
    });
  });
});
