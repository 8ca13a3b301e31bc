export { startTracing } from './tracing-sdk';
export type { TracingHandle } from './tracing-sdk';
export { runService } from './process';
export type { ProcessContext } from './process';
