import { register } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { register as registerSyncHooks, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';

/** The packages the instrumentations patch when they are loaded with `import`. */
const INSTRUMENTED_PACKAGES = ['pg', 'pg-pool', 'ioredis'];

/** Probes and scrapes arrive every few seconds from the platform; a span each would drown the traces. */
const PLATFORM_PATHS = new Set(['/livez', '/healthz', '/readyz', '/metrics']);

/**
 * The libraries Vigil's spans do not cover themselves: HTTP (incoming requests, outgoing calls such as
 * Slack's API), PostgreSQL and Redis. Database and Redis spans only inside a trace (a request, a batch),
 * never for the background polling of BullMQ or the pools. Kafka is not here: the bus makes its own
 * producer and consumer spans under the messaging conventions and carries the context in headers.
 */
export function vigilInstrumentations() {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) => PLATFORM_PATHS.has((request.url ?? '').split('?')[0]!),
    }),
    new PgInstrumentation({ requireParentSpan: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
  ];
}

/**
 * Lets the instrumentations patch modules loaded with `import` (ESM) as well as `require`: registers
 * import-in-the-middle's loader hooks for just the packages they patch. Must run before those packages are
 * imported; `acknowledged` resolves once the loader knows them. In-thread hooks (`module.registerHooks`)
 * where this Node runs them correctly (22.22.3+, 24.11.1+), else the loader thread of `module.register`.
 */
export function registerModuleHooks(): { acknowledged: () => Promise<void> } {
  if (supportsSyncHooks()) {
    registerSyncHooks({ include: INSTRUMENTED_PACKAGES });
    return { acknowledged: () => Promise.resolve() };
  }
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the fallback for Node versions whose registerHooks cannot run this loader
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  return { acknowledged: waitForAllMessagesAcknowledged };
}
