import { trace } from '@opentelemetry/api';
import pino from 'pino';

/** The small logging surface every package takes; pino implements it in services. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Paths pino blanks out wherever they appear: tokens, signing secrets, passwords, webhook auth headers. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  '*.secrets',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-hub-signature-256"]',
  '*.headers["x-slack-signature"]',
  '*.headers["x-vigil-signature"]',
  '*.headers.cookie',
  'slackBotToken',
  '*.slackBotToken',
  'signingSecret',
  '*.signingSecret',
  'databaseUrl',
  '*.databaseUrl',
];

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where JSON lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
}

/**
 * The active span's ids under OpenTelemetry's log field names (`trace_id`, `span_id`, `trace_flags`), so a
 * log line can be found from a trace and the other way round; empty outside a span.
 */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}`.slice(-2) };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      mixin: traceFields,
      level: options.level ?? 'info',
      name: options.name ?? 'vigil',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

/** Discards everything; for unit tests that do not look at logs. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
