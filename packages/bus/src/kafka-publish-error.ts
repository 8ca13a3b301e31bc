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
  if (isRecordRefusal(error)) {
    return new NonRetryableError(`Kafka refused ${what}: ${errorMessage(error)}`, { cause: error });
  }
  return new BusUnavailableError(`${what} failed: ${errorMessage(error)}`, { cause: error });
}

/**
 * Whether Kafka refused the records themselves. Walks the `cause` chain (kafkajs wraps the broker's
 * answer in its retry errors, naming it `type`) and the `errors` of @platformatic/kafka's aggregate
 * errors (naming it `apiId`).
 */
export function isRecordRefusal(error: unknown, depth = 0): boolean {
  if (depth > 10 || typeof error !== 'object' || error === null) return false;
  const { type, apiId, cause, errors } = error as { type?: unknown; apiId?: unknown; cause?: unknown; errors?: unknown };
  for (const code of [type, apiId]) if (typeof code === 'string' && REJECTED_RECORD_TYPES.has(code)) return true;
  if (cause !== error && isRecordRefusal(cause, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => isRecordRefusal(inner, depth + 1));
}
