import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '@vigil/telemetry';

/**
 * kafkajs logs a rebalance answer from the coordinator as an error on every deploy; it is routine,
 * so it goes out as a warning to keep error-level alerts meaningful.
 */
const ROUTINE_ERRORS = /group is rebalancing|rebalance in progress/i;

/**
 * Routes kafkajs's own logs into the injected Logger. Only warnings and errors pass: kafkajs's info
 * level narrates every join and fetch. Use with `logLevel: logLevel.WARN` on the client.
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  const log = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
      const context = { namespace, ...fields };
      if (level === logLevel.ERROR && !ROUTINE_ERRORS.test(`${message} ${String(fields.error ?? '')}`)) {
        log.error(context, message);
      } else if (level === logLevel.ERROR || level === logLevel.WARN) {
        log.warn(context, message);
      }
    };
}
