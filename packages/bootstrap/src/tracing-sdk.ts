import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace';
import { registerModuleHooks, vigilInstrumentations } from './instrumentation';

export interface TracingHandle {
  shutdown(): Promise<void>;
}

/** True when the operator named an OTLP endpoint or an exporter for this signal (the SDK's own variables). */
function exporting(env: NodeJS.ProcessEnv, signal: 'TRACES' | 'METRICS' | 'LOGS'): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`] || env[`OTEL_${signal}_EXPORTER`]);
}

/** The service name to set, or undefined when OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES already name it. */
export function serviceNameFallback(serviceName: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_SERVICE_NAME) return undefined;
  const attributes = (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',').map((pair) => pair.split('=')[0]?.trim());
  return attributes.includes('service.name') ? undefined : serviceName;
}

/**
 * Starts OpenTelemetry's NodeSDK for this process, configured by the standard variables
 * (`OTEL_EXPORTER_OTLP_*`, `OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER`, `OTEL_RESOURCE_ATTRIBUTES`,
 * `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, `OTEL_SDK_DISABLED`, ...). `serviceName` is used only when
 * neither of the resource variables names the service. With no exporter configured for a signal it
 * exports nothing for it, but spans are still created, so trace ids travel through Kafka headers and
 * BullMQ job data and appear in log lines. A test passes `exporter` to receive the spans itself.
 */
export function startTracing(
  serviceName: string,
  env: NodeJS.ProcessEnv,
  exporter?: SpanExporter,
  options: { instrument?: boolean } = {},
): TracingHandle {
  const spanProcessors = exporter
    ? [new BatchSpanProcessor({ exporter })]
    : exporting(env, 'TRACES')
      ? undefined // the SDK builds the exporters named by OTEL_TRACES_EXPORTER (otlp by default)
      : [new NoopSpanProcessor()];
  const sdk = new NodeSDK({
    serviceName: serviceNameFallback(serviceName, env),
    ...(spanProcessors ? { spanProcessors } : {}),
    ...(exporting(env, 'METRICS') ? {} : { metricReaders: [] }),
    ...(exporting(env, 'LOGS') ? {} : { logRecordProcessors: [] }),
    instrumentations: options.instrument ? vigilInstrumentations() : [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

const EARLY = Symbol.for('vigil.tracing.early');
type EarlyGlobal = { [EARLY]?: TracingHandle };

/**
 * For a service's built entry (services/vigil/build.ts), before the service's own modules are imported:
 * when traces are exported, starts the SDK with the HTTP, PostgreSQL and Redis instrumentations and the
 * module hooks they need, so that `pg`, `ioredis` and `fastify` load already instrumented. `runService`
 * then takes this handle instead of starting a second SDK. Nothing happens when no trace exporter is set.
 */
export async function startTracingEarly(serviceName: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (!exporting(env, 'TRACES') || env.OTEL_SDK_DISABLED === 'true') return;
  const hooks = registerModuleHooks();
  (globalThis as EarlyGlobal)[EARLY] = startTracing(serviceName, env, undefined, { instrument: true });
  await hooks.acknowledged();
}

/** The SDK `startTracingEarly` started in this process, handed over once. */
export function takeEarlyTracing(): TracingHandle | undefined {
  const handle = (globalThis as EarlyGlobal)[EARLY];
  delete (globalThis as EarlyGlobal)[EARLY];
  return handle;
}
