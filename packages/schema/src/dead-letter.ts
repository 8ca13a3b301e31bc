import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Timestamp } from './event';
import { escapeUnsafeText, jsonDepth, safeJsonText, textPrefix } from './json-safety';

/**
 * Size caps of a dead letter, so that one always fits a Kafka record (brokers refuse records over
 * `message.max.bytes`, about 1 MB by default) whatever the input was. A dead letter stays under
 * about 100 KiB: the raw input up to `rawBytes` (else a prefix plus the SHA-256 and byte length of
 * the whole), at most `errors` field errors, each text field cut to `textChars`.
 */
export const DEAD_LETTER_LIMITS = {
  rawBytes: 64 * 1024,
  /** Raw values nested deeper than this are kept as (a prefix of) their JSON text. */
  rawDepth: 64,
  errors: 50,
  textChars: 1_000,
} as const;

/** What the stage knew about the failure, when it was an exception rather than a validation result. */
export const DeadLetterError = z.object({
  /** The error's class (`ValidationError`, `ReplyError`, `DatabaseError`, ...). */
  name: z.string(),
  message: z.string(),
  /** The driver's code when there is one: a PostgreSQL SQLSTATE, a Node errno. */
  code: z.string().optional(),
  /** How many times the record was tried before it was set aside. */
  attempts: z.number().int().positive().optional(),
});
export type DeadLetterError = z.infer<typeof DeadLetterError>;

/** What could not be processed, why, and the input as it came (or its prefix and digest when large). */
export const DeadLetter = z.object({
  /** Where it failed: `ingest:<source>`, `detector`, `alerter`, ... */
  stage: z.string().min(1),
  reason: z.string().min(1),
  /** Field-level detail (zod issue paths, positions) when there is any. */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).default([]),
  source: z.string().optional(),
  receivedAt: Timestamp,
  /**
   * The offending input: the raw JSON value, or the text when it would not parse. When `rawCapped`
   * is set, this is only the first `DEAD_LETTER_LIMITS.rawBytes` of the input's JSON text.
   */
  raw: z.unknown(),
  /** Set when `raw` holds a prefix: the byte length and SHA-256 (hex) of the whole input's text. */
  rawCapped: z.object({ bytes: z.number().int().nonnegative(), sha256: z.string(), reason: z.string() }).optional(),
  error: DeadLetterError.optional(),
  /** Where it was read from when it came off a topic. */
  origin: z
    .object({ topic: z.string(), partition: z.number().int(), offset: z.string() })
    .optional(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

function cut(text: string): string {
  const safe = escapeUnsafeText(text);
  return safe.length <= DEAD_LETTER_LIMITS.textChars ? safe : `${textPrefix(safe, DEAD_LETTER_LIMITS.textChars)}…`;
}

/**
 * The raw input as a dead letter keeps it. `text` is the input exactly as received when there is
 * one (a body that did not parse); otherwise the value's JSON text is measured.
 */
export function boundedRaw(raw: unknown, text?: string): Pick<DeadLetter, 'raw' | 'rawCapped'> {
  const whole = text ?? (typeof raw === 'string' ? raw : undefined);
  const deep = whole === undefined && jsonDepth(raw, DEAD_LETTER_LIMITS.rawDepth) > DEAD_LETTER_LIMITS.rawDepth;
  const json = whole ?? safeJsonText(raw);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (!deep && bytes <= DEAD_LETTER_LIMITS.rawBytes) return { raw: whole ?? raw };
  const reason = deep
    ? `nested deeper than ${DEAD_LETTER_LIMITS.rawDepth}; the first ${DEAD_LETTER_LIMITS.rawBytes} bytes of its JSON text are kept`
    : `${bytes} bytes; the first ${DEAD_LETTER_LIMITS.rawBytes} are kept`;
  let prefix = textPrefix(json, DEAD_LETTER_LIMITS.rawBytes);
  while (Buffer.byteLength(prefix, 'utf8') > DEAD_LETTER_LIMITS.rawBytes) prefix = textPrefix(prefix, Math.floor(prefix.length * 0.9));
  return {
    raw: prefix,
    rawCapped: { bytes, sha256: createHash('sha256').update(json, 'utf8').digest('hex'), reason },
  };
}

/** A dead letter with every part cut to `DEAD_LETTER_LIMITS`: it always fits one Kafka record. */
export function boundedDeadLetter(letter: DeadLetter & { rawText?: string }): DeadLetter {
  const { rawText, ...rest } = letter;
  const errors = rest.errors.slice(0, DEAD_LETTER_LIMITS.errors).map((e) => ({ path: cut(e.path), message: cut(e.message) }));
  if (rest.errors.length > DEAD_LETTER_LIMITS.errors) {
    errors.push({ path: '(more)', message: `${rest.errors.length - DEAD_LETTER_LIMITS.errors} more errors not kept` });
  }
  const bounded: DeadLetter = {
    ...rest,
    stage: cut(rest.stage),
    reason: cut(rest.reason),
    errors,
    ...boundedRaw(rest.raw, rawText),
  };
  if (rest.error) {
    bounded.error = { ...rest.error, name: cut(rest.error.name), message: cut(rest.error.message) };
    if (rest.error.code !== undefined) bounded.error.code = cut(rest.error.code);
  }
  return bounded;
}
