import { encode, type Bus, type OutgoingMessage } from '@vigil/bus';
import { entityKey, type FieldError, type TopicNames } from '@vigil/schema';
import { injectTrace } from '@vigil/telemetry';
import type { DeliveryMeta } from './normalizer';
import { NORMALIZERS } from './normalizers';
import type { SourceDefinition } from './source-config';

export interface RejectedItem {
  index: number;
  reason: string;
  errors: FieldError[];
}

export type DeliveryOutcome =
  | { kind: 'processed'; accepted: number; eventIds: string[]; rejected: RejectedItem[] }
  /** The body as a whole made no sense for the format; it went to the dead-letter topic as it came. */
  | { kind: 'unreadable'; reason: string; errors: FieldError[] }
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
}

function pickHeaders(headers: DeliveryContext['headers'], names: readonly string[] | undefined): DeliveryMeta {
  const picked: Record<string, string> = {};
  for (const name of names ?? []) {
    const value = headers?.[name];
    const single = Array.isArray(value) ? value[0] : value;
    if (single !== undefined) picked[name] = single;
  }
  return { headers: picked };
}

/**
 * Normalises one delivery and writes it: valid events to the events topic (keyed by entity), the rest
 * to the dead-letter topic with the reason and the raw item. Resolves only when both writes are
 * durable; rejects (BusUnavailableError) otherwise, and the caller must not answer 2xx.
 */
export async function ingestDelivery(
  ctx: DeliveryContext,
  source: SourceDefinition,
  body: unknown,
): Promise<DeliveryOutcome> {
  const normalizer = NORMALIZERS[source.format];
  const stage = `ingest:${source.name}`;
  const meta = pickHeaders(ctx.headers, normalizer.headers);
  const split = normalizer.split(body, meta);
  if (!split.ok) {
    await publishDeadLetters(ctx, [deadLetter(stage, source.name, ctx.receivedAt, split.reason, split.errors, body)]);
    return { kind: 'unreadable', reason: split.reason, errors: split.errors };
  }
  const admitted = ctx.admit?.(split.items.length) ?? { ok: true };
  if (!admitted.ok) return { kind: 'rate_limited', retryAfterSeconds: admitted.retryAfterSeconds };

  const headers = injectTrace();
  const events: OutgoingMessage[] = [];
  const eventIds: string[] = [];
  const dead: OutgoingMessage[] = [];
  const rejected: RejectedItem[] = [];
  split.items.forEach((item, index) => {
    const result = normalizer.normalize(item, { source: source.name, receivedAt: ctx.receivedAt, headers: meta.headers });
    if (result.ok) {
      events.push(encode('events', entityKey(result.event.entity), result.event, headers));
      eventIds.push(result.event.id);
    } else {
      rejected.push({ index, reason: result.reason, errors: result.errors });
      dead.push(deadLetter(stage, source.name, ctx.receivedAt, result.reason, result.errors, item, index));
    }
  });

  await Promise.all([
    events.length > 0 ? ctx.bus.publish(ctx.topics.events, events) : undefined,
    publishDeadLetters(ctx, dead),
  ]);
  return { kind: 'processed', accepted: events.length, eventIds, rejected };
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
  return encode('eventsDlq', source, { stage, reason: where, errors, source, receivedAt, raw });
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
  await publishDeadLetters(ctx, [deadLetter(`ingest:${source}`, source, ctx.receivedAt, reason, [], text)]);
}
