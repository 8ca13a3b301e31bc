import { PassThrough } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { createLogger, withSpan } from '@vigil/telemetry';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceNameFallback, startTracing } from './tracing-sdk';

describe('service name', () => {
  it('is the service default only when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one', () => {
    expect(serviceNameFallback('vigil-api', {})).toBe('vigil-api');
    expect(serviceNameFallback('vigil-api', { OTEL_SERVICE_NAME: 'api-eu' })).toBeUndefined();
    expect(serviceNameFallback('vigil-api', { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod, service.name=api-eu' })).toBeUndefined();
    expect(serviceNameFallback('vigil-api', { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod' })).toBe('vigil-api');
  });
});

/** Keeps its spans through the SDK's shutdown (the stock one forgets them), so the test reads what was flushed. */
class KeepingExporter extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('NodeSDK start-up', () => {
  const saved = process.env.OTEL_RESOURCE_ATTRIBUTES;
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment.name=staging,service.version=9.9.9';
  const exporter = new KeepingExporter();
  const handle = startTracing('vigil-test', process.env, exporter);
  afterAll(async () => {
    await handle.shutdown();
    if (saved === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
    else process.env.OTEL_RESOURCE_ATTRIBUTES = saved;
  });

  it('exports spans with the resource from the standard variables, and log lines carry their trace id', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').trim().split('\n')));
    const logger = createLogger({ name: 'vigil-test', destination: stream });

    await withSpan('vigil.test', {}, async () => logger.info({}, 'inside'));
    logger.info({}, 'outside');
    await handle.shutdown(); // flushes the batch processor

    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('vigil.test');
    expect(span?.resource.attributes).toMatchObject({
      'service.name': 'vigil-test',
      'service.version': '9.9.9',
      'deployment.environment.name': 'staging',
    });
    const [inside, outside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ msg: 'inside', trace_id: span?.spanContext().traceId, span_id: span?.spanContext().spanId, trace_flags: '01' });
    expect(outside?.trace_id).toBeUndefined();
  });
});
