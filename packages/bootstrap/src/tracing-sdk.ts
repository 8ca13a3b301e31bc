import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TracingHandle {
  shutdown(): Promise<void>;
}

/**
 * Registers the global tracer provider, W3C propagation and async context for this process.
 * Spans are exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-specific
 * variable) is set, or to `exporter` when a test passes one; otherwise context still propagates
 * (so trace ids travel through Kafka and BullMQ) but nothing is exported.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv, exporter?: SpanExporter): TracingHandle {
  const processors: SpanProcessor[] = [];
  const target = exporter ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? new OTLPTraceExporter() : undefined);
  if (target) processors.push(new BatchSpanProcessor(target));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? serviceName }),
    spanProcessors: processors,
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}
