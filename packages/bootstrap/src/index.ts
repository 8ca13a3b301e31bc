export { startTracing, startTracingEarly } from './tracing-sdk';
export type { TracingHandle } from './tracing-sdk';
export { runService } from './process';
export type { ProcessContext } from './process';
export { devSecretsInUse, PUBLIC_DEV_SECRETS } from './dev-secrets';
