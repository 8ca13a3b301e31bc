import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '@vigil/telemetry';

/**
 * kafkajs logs a rebalance answer from the coordinator as an error on every deploy; it is routine,
 * so it goes out as a warning to keep error-level alerts meaningful.
 */
const ROUTINE_ERRORS = /group is rebalancing|rebalance in progress/i;

/** kafkajs's line when a fetch position is gone (deleted by retention) and it jumps to the default offset. */
const OFFSET_OUT_OF_RANGE = /^Offset out of range, resetting/;

export interface KafkaLogHooks {
  /**
   * Called for each "Offset out of range, resetting to default offset": records between the old
   * position and the new one are skipped. Count it (`vigil_kafka_offset_out_of_range_total`).
   */
  onOffsetOutOfRange?(fields: { topic?: unknown; partition?: unknown; groupId?: unknown }): void;
}

/**
 * Routes kafkajs's own logs into the injected Logger. Only warnings and errors pass: kafkajs's info
 * level narrates every join and fetch. Use with `logLevel: logLevel.WARN` on the client.
 */
export function kafkaLogCreator(logger: Logger, hooks: KafkaLogHooks = {}): logCreator {
  const log = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
      const context = { namespace, ...fields };
      if (OFFSET_OUT_OF_RANGE.test(message)) hooks.onOffsetOutOfRange?.(fields);
      if (level === logLevel.ERROR && !ROUTINE_ERRORS.test(`${message} ${String(fields.error ?? '')}`)) {
        log.error(context, message);
      } else if (level === logLevel.ERROR || level === logLevel.WARN) {
        log.warn(context, message);
      }
    };
}
