import {
  TOPICS,
  fieldErrors,
  isExactVigilEvent,
  type FieldError,
  type TopicId,
  type TopicMessage,
} from '@vigil/schema';
import type { IncomingMessage, OutgoingMessage } from './bus';

/** Serialises a catalog message after validating it: a producer never writes what a consumer would reject. */
export function encode<T extends TopicId>(
  topic: T,
  key: string,
  value: TopicMessage<T>,
  headers?: Record<string, string>,
): OutgoingMessage {
  const checked = TOPICS[topic].schema.parse(value);
  return { key, value: JSON.stringify(checked), ...(headers ? { headers } : {}) };
}

export type Decoded<T extends TopicId> =
  /** `text` is JSON whose parse equals `value` (the record itself when zod had nothing to change). */
  | { ok: true; value: TopicMessage<T>; text: string }
  | { ok: false; reason: string; errors: FieldError[]; raw: unknown };

/** Parses and validates a consumed record. A bad record is a value, not an exception: it goes to a DLQ. */
export function decode<T extends TopicId>(topic: T, message: IncomingMessage): Decoded<T> {
  const text = message.value.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}`, errors: [], raw: text };
  }
  // The detector decodes every event: the hand-written check answers for the common exact shape, and
  // zod, which has the last word, for anything else (same verdicts, a fraction of the cost).
  if (topic === 'events' && isExactVigilEvent(json)) return { ok: true, value: json as TopicMessage<T>, text };
  const result = TOPICS[topic].schema.safeParse(json);
  if (!result.success) {
    return { ok: false, reason: `does not match the ${topic} schema`, errors: fieldErrors(result.error), raw: json };
  }
  const value = result.data as TopicMessage<T>;
  // Written only if asked for (the detector keeps it); the alerter's detections never need it.
  return {
    ok: true,
    value,
    get text() {
      return JSON.stringify(value);
    },
  };
}
