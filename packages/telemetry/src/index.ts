export { createLogger, silentLogger, REDACT_PATHS, traceFields } from './logger';
export type { Logger, LoggerOptions } from './logger';
export { tracer, injectTrace, extractTrace, nameServerSpan, withSpan } from './tracing';
export { recordingLogger } from './recording-logger';
export type { LogLine } from './recording-logger';
