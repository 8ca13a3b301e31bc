import { NonRetryableError, errorMessage } from '@vigil/runtime';
import { BusUnavailableError } from './bus';

/** Kafka refuses these records themselves: sending them again cannot succeed. */
const REJECTED_RECORD_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
]);

/**
 * What a failed publish rejects with: `NonRetryableError` when Kafka refused the records as such,
 * so the caller answers with an error rather than "try later"; otherwise `BusUnavailableError`.
 */
export function publishError(what: string, error: unknown): Error {
  if (error instanceof BusUnavailableError) return error;
  if (isRejectedRecord(error)) {
    return new NonRetryableError(`Kafka refused ${what}: ${errorMessage(error)}`, { cause: error });
  }
  return new BusUnavailableError(`${what} failed: ${errorMessage(error)}`, { cause: error });
}

/** Walks the `cause` chain: kafkajs wraps the broker's answer in its retry errors. */
function isRejectedRecord(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth += 1) {
    const { type, cause } = current as { type?: unknown; cause?: unknown };
    if (typeof type === 'string' && REJECTED_RECORD_TYPES.has(type)) return true;
    if (cause === current) break;
    current = cause;
  }
  return false;
}
