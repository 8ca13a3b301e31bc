import { encode, type Bus, type OutgoingMessage } from '@vigil/bus';
import { errorMessage } from '@vigil/runtime';
import {
  boundedDeadLetter,
  COUNTRY,
  entityKey,
  type FieldError,
  type TopicNames,
  type VigilEvent,
} from '@vigil/schema';
import { injectTrace } from '@vigil/telemetry';
import { checkEvent, inspectItem, INPUT_LIMITS, type BodyShape } from './input-limits';
import type { CountryLookup } from './ip-country-table';
import type { DeliveryMeta, NormalizeContext, Normalizer } from './normalizer';
import { NORMALIZERS } from './normalizers';
import type { SourceDefinition } from './source-config';

/**
 * Why ingest dead-lettered something, as a short stable code: the `reason` label of
 * `vigil_ingest_dead_letters_total` and the `code` of each refused item in a 400's details.
 */
export type DeadLetterCode =
  /** The body is not JSON. */
  | 'malformed_json'
  /** JSON, but not a delivery of the source's format as a whole. */
  | 'unreadable_delivery'
  /** NUL, a lone surrogate, nesting past the limit, a key or string past its limit. */
  | 'unusable_input'
  /** The normaliser threw on the item. */
  | 'normaliser_error'
  /** The item is not an event of the format (a required field missing or wrong). */
  | 'not_an_event'
  /** The normalised event is outside the schema's limits (an id too long, an absurd time). */
  | 'outside_limits'
  /** The normalised event is over the largest record size. */
  | 'too_large';

export interface RejectedItem {
  index: number;
  code: DeadLetterCode;
  reason: string;
  errors: FieldError[];
}

export type DeliveryOutcome =
  | { kind: 'processed'; accepted: number; eventIds: string[]; rejected: RejectedItem[] }
  /** The body as a whole made no sense for the format; it went to the dead-letter topic as it came. */
  | { kind: 'unreadable'; code: 'unreadable_delivery'; reason: string; errors: FieldError[] }
  /** The source is over its rate limit; nothing was written. */
  | { kind: 'rate_limited'; retryAfterSeconds: number };

export interface DeliveryContext {
  bus: Bus;
  topics: TopicNames;
  receivedAt: string;
  /** Asked with the number of items before anything is written; a refusal writes nothing. */
  admit?: (itemCount: number) => { ok: true } | { ok: false; retryAfterSeconds: number };
  /** The request headers; only those the format's normaliser names in `headers` reach it. */
  headers?: Record<string, string | string[] | undefined>;
  /** The country of an actor's address (GEOIP_COUNTRY_FILE), for events whose source names none. */
  countryOf?: CountryLookup;
}

function pickHeaders(
  headers: DeliveryContext['headers'],
  names: readonly string[] | undefined,
): DeliveryMeta {
  const picked: Record<string, string> = {};
  for (const name of names ?? []) {
    const value = headers?.[name];
    const single = Array.isArray(value) ? value[0] : value;
    if (single !== undefined) picked[name] = single;
  }
  return { headers: picked };
}

/** Without the body's text, assume the worst: every item is walked. */
const UNKNOWN_SHAPE: BodyShape = { hasEscapes: true, depth: Number.POSITIVE_INFINITY };

/**
 * Normalises one delivery and writes it: valid events to the events topic (keyed by entity), the rest
 * to the dead-letter topic with the reason and the raw item. Resolves only when both writes are
 * durable; rejects (BusUnavailableError) otherwise, and the caller must not answer 2xx. No input
 * makes it throw anything else: an item the normaliser or the schema cannot take is a refused item.
 */
export async function ingestDelivery(
  ctx: DeliveryContext,
  source: SourceDefinition,
  body: unknown,
  shape: BodyShape = UNKNOWN_SHAPE,
): Promise<DeliveryOutcome> {
  const normalizer = NORMALIZERS[source.format];
  const stage = `ingest:${source.name}`;
  const meta = pickHeaders(ctx.headers, normalizer.headers);
  const split = splitDelivery(normalizer, body, meta);
  if (!split.ok) {
    await publishDeadLetters(ctx, [
      deadLetter(stage, source.name, ctx.receivedAt, split.reason, split.errors, body),
    ]);
    return { kind: 'unreadable', code: 'unreadable_delivery', reason: split.reason, errors: split.errors };
  }
  const admitted = ctx.admit?.(split.items.length) ?? { ok: true };
  if (!admitted.ok) return { kind: 'rate_limited', retryAfterSeconds: admitted.retryAfterSeconds };

  const headers = injectTrace();
  const events: OutgoingMessage[] = [];
  const eventIds: string[] = [];
  const dead: OutgoingMessage[] = [];
  const rejected: RejectedItem[] = [];
  split.items.forEach((item, index) => {
    const result = normalizeItem(
      normalizer,
      item,
      shape,
      {
        source: source.name,
        receivedAt: ctx.receivedAt,
        headers: meta.headers,
        ...(source.serviceLabels ? { serviceLabels: source.serviceLabels } : {}),
      },
      headers,
      ctx.countryOf,
    );
    if (result.ok) {
      events.push(result.message);
      eventIds.push(result.event.id);
    } else {
      rejected.push({ index, code: result.code, reason: result.reason, errors: result.errors });
      dead.push(deadLetter(stage, source.name, ctx.receivedAt, result.reason, result.errors, item, index));
    }
  });

  await Promise.all([
    events.length > 0 ? ctx.bus.publish(ctx.topics.events, events) : undefined,
    publishDeadLetters(ctx, dead),
  ]);
  return { kind: 'processed', accepted: events.length, eventIds, rejected };
}

type SplitResult = ReturnType<Normalizer['split']>;

function splitDelivery(normalizer: Normalizer, body: unknown, meta: DeliveryMeta): SplitResult {
  try {
    return normalizer.split(body, meta);
  } catch (error) {
    return { ok: false, reason: `the delivery could not be read: ${errorMessage(error)}`, errors: [] };
  }
}

type ItemResult =
  | { ok: true; event: VigilEvent; message: OutgoingMessage }
  | { ok: false; code: DeadLetterCode; reason: string; errors: FieldError[] };

/** One item through the limits, the normaliser, the schema and the record size: an event, or why not. */
function normalizeItem(
  normalizer: Normalizer,
  item: unknown,
  shape: BodyShape,
  context: NormalizeContext & { headers: Readonly<Record<string, string>> },
  traceHeaders: Record<string, string>,
  countryOf?: CountryLookup,
): ItemResult {
  const unusable = inspectItem(item, shape);
  if (unusable.length > 0)
    return {
      ok: false,
      code: 'unusable_input',
      reason: 'the item holds input Vigil does not accept',
      errors: unusable,
    };
  let result: ReturnType<Normalizer['normalize']>;
  try {
    result = normalizer.normalize(item, context);
  } catch (error) {
    return {
      ok: false,
      code: 'normaliser_error',
      reason: `the item could not be normalised: ${errorMessage(error)}`,
      errors: [],
    };
  }
  if (!result.ok) return { ok: false, code: 'not_an_event', reason: result.reason, errors: result.errors };
  withCountry(result.event, countryOf);
  const checked = checkEvent(result.event);
  if (!checked.ok)
    return {
      ok: false,
      code: 'outside_limits',
      reason: 'the normalised event is outside what Vigil accepts',
      errors: checked.errors,
    };
  // What `encode` would write; the schema has just been checked, once.
  const event = checked.event;
  const message: OutgoingMessage = {
    key: entityKey(event.entity),
    value: JSON.stringify(event),
    headers: traceHeaders,
  };
  const bytes = Buffer.byteLength(message.value);
  if (bytes > INPUT_LIMITS.maxEventBytes) {
    return {
      ok: false,
      code: 'too_large',
      reason: 'the event is too large',
      errors: [
        {
          path: '(item)',
          message: `the normalised event is ${bytes} bytes; at most ${INPUT_LIMITS.maxEventBytes} are accepted`,
        },
      ],
    };
  }
  return { ok: true, event, message };
}

/** Adds the country of the actor's address when the source named none and the table knows it. */
function withCountry(event: VigilEvent, countryOf: CountryLookup | undefined): void {
  const ip = event.actor.ip;
  if (!countryOf || !ip || event.attributes[COUNTRY] !== undefined) return;
  const country = countryOf(ip);
  if (country) event.attributes[COUNTRY] = country;
}

function deadLetter(
  stage: string,
  source: string,
  receivedAt: string,
  reason: string,
  errors: FieldError[],
  raw: unknown,
  index?: number,
): OutgoingMessage {
  const where = index === undefined ? reason : `item ${index}: ${reason}`;
  return encode(
    'eventsDlq',
    source,
    boundedDeadLetter({ stage, reason: where, errors, source, receivedAt, raw }),
  );
}

async function publishDeadLetters(ctx: DeliveryContext, messages: OutgoingMessage[]): Promise<void> {
  if (messages.length > 0) await ctx.bus.publish(ctx.topics.eventsDlq, messages);
}

/** For bodies that are not even JSON: kept as text on the dead-letter topic. */
export async function deadLetterUnparsable(
  ctx: DeliveryContext,
  source: string,
  text: string,
  reason: string,
): Promise<void> {
  const letter = boundedDeadLetter({
    stage: `ingest:${source}`,
    reason,
    errors: [],
    source,
    receivedAt: ctx.receivedAt,
    raw: text,
  });
  await publishDeadLetters(ctx, [encode('eventsDlq', source, letter)]);
}
