import type { VigilEvent } from '@vigil/schema';
import { EventKind, Entity, fieldErrors, OCSF_CLASS_BY_KIND, Outcome, Timestamp } from '@vigil/schema';
import { z } from 'zod';
import { checkHeartbeatEntity } from './heartbeat';
import type { Normalizer, NormalizeResult } from './normalizer';

/**
 * Vigil's own format, for sources without a dedicated normaliser (scripts, probes, backup jobs).
 * Documented in docs/sources.md. `id` must be stable: a resend with the same id is the same event.
 */
export const GenericEvent = z
  .object({
    id: z.string().min(1).max(200),
    kind: EventKind,
    action: z.string().min(1).max(200),
    time: Timestamp,
    entity: Entity,
    outcome: Outcome.default('unknown'),
    actor: z.object({ user: z.string().max(512).optional(), ip: z.string().max(64).optional() }).default({}),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
  })
  .strict();
export type GenericEvent = z.infer<typeof GenericEvent>;

export const MAX_BATCH_ITEMS = 5000;

export const genericNormalizer: Normalizer = {
  split(body) {
    if (Array.isArray(body)) return checkSize(body);
    if (body !== null && typeof body === 'object' && Array.isArray((body as { events?: unknown }).events)) {
      return checkSize((body as { events: unknown[] }).events);
    }
    if (body !== null && typeof body === 'object') return { ok: true, items: [body] };
    return {
      ok: false,
      reason: 'expected an event object, an array of events, or {"events": [...]}',
      errors: [{ path: '(root)', message: `got ${body === null ? 'null' : typeof body}` }],
    };
  },

  normalize(item, { source, receivedAt }): NormalizeResult {
    const parsed = GenericEvent.safeParse(item);
    if (!parsed.success) {
      return { ok: false, reason: 'does not match the generic event format', errors: fieldErrors(parsed.error) };
    }
    const e = parsed.data;
    const notItself = e.kind === 'heartbeat' ? checkHeartbeatEntity(e.entity, source) : undefined;
    if (notItself) return { ok: false, reason: 'a heartbeat must name the source that sends it', errors: [notItself] };
    const event: VigilEvent = {
      id: `${source}:${e.id}`,
      source,
      kind: e.kind,
      action: e.action,
      ocsfClassUid: OCSF_CLASS_BY_KIND[e.kind],
      time: new Date(e.time).toISOString(),
      receivedAt,
      entity: e.entity,
      outcome: e.outcome,
      actor: e.actor,
      attributes: e.attributes,
      raw: item,
    };
    return { ok: true, event };
  },
};

function checkSize(items: unknown[]): { ok: true; items: unknown[] } | { ok: false; reason: string; errors: [] } {
  if (items.length === 0) return { ok: false, reason: 'the batch is empty', errors: [] };
  if (items.length > MAX_BATCH_ITEMS) {
    return { ok: false, reason: `a batch holds at most ${MAX_BATCH_ITEMS} events, got ${items.length}`, errors: [] };
  }
  return { ok: true, items };
}

export { checkSize as checkBatchSize };
