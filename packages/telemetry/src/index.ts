export { createLogger, silentLogger, REDACT_PATHS } from './logger';
export type { Logger, LoggerOptions } from './logger';
export { tracer, injectTrace, extractTrace, withSpan } from './tracing';
export { recordingLogger } from './recording-logger';
export type { LogLine } from './recording-logger';
