import { z } from 'zod';
import { unsafeTextReason } from './json-safety';

/**
 * Text that every store downstream can hold: no NUL (PostgreSQL refuses it) and no lone UTF-16
 * surrogate (Redis's cjson and PostgreSQL refuse it). Identifiers and attributes use it; `raw` does not.
 */
export function safeText() {
  return z.string().superRefine((text, ctx) => {
    const reason = unsafeTextReason(text);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
  });
}

/**
 * What happened, in Vigil's words. Each kind maps to an OCSF class so that exports line up with
 * what SIEMs and auditors already read (Authentication 3002, Account Change 3001, API Activity 6003).
 */
export const EVENT_KINDS = [
  'authentication',
  'account_change',
  'api_activity',
  'uptime_check',
  'heartbeat',
  'backup',
  'restore_test',
] as const;
export const EventKind = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof EventKind>;

/** OCSF class_uid for each kind; availability kinds have no OCSF class yet and use 0 (Other). */
export const OCSF_CLASS_BY_KIND: Readonly<Record<EventKind, number>> = {
  authentication: 3002,
  account_change: 3001,
  api_activity: 6003,
  uptime_check: 0,
  heartbeat: 0,
  backup: 0,
  restore_test: 0,
};

export const EntityType = z.enum(['user', 'ip', 'service', 'source', 'account', 'resource']);
export type EntityType = z.infer<typeof EntityType>;

export const Entity = z.object({
  type: EntityType,
  id: safeText().min(1).max(512),
});
export type Entity = z.infer<typeof Entity>;

export const Outcome = z.enum(['success', 'failure', 'unknown']);
export type Outcome = z.infer<typeof Outcome>;

export const AttributeValue = z.union([safeText(), z.number(), z.boolean(), z.null()]);

/** ISO-8601 timestamp with an offset, as produced by `Date.prototype.toISOString`. */
export const Timestamp = z.iso.datetime({ offset: true });

/**
 * A period bound given by people: a timestamp with an offset, or a date alone (`2026-12-01`), which means
 * midnight UTC at the start of that day. Always hands back a timestamp.
 */
export const PeriodBound = z.union([
  Timestamp,
  z.iso.date().transform((date) => `${date}T00:00:00.000Z`),
]);

export const SOURCE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

export const VigilEvent = z.object({
  /** Stable id derived from the source's own id (`<source>:<source id>`): replays are recognised. */
  id: safeText().min(1).max(300),
  source: z.string().regex(SOURCE_NAME),
  kind: EventKind,
  /** Source-specific action name, e.g. Okta's `user.session.start` or CloudTrail's `ConsoleLogin`. */
  action: safeText().min(1).max(200),
  ocsfClassUid: z.number().int().nonnegative(),
  /** When it happened at the source. Windows run on this, never on arrival time. */
  time: Timestamp,
  receivedAt: Timestamp,
  /** Whom or what the event is about; the stream is keyed by `type:id` so one entity stays on one partition. */
  entity: Entity,
  outcome: Outcome,
  actor: z
    .object({ user: safeText().max(512).optional(), ip: safeText().max(64).optional() })
    .default({}),
  attributes: z.record(safeText(), AttributeValue).default({}),
  /** The payload exactly as the source sent it. */
  raw: z.unknown(),
});
export type VigilEvent = z.infer<typeof VigilEvent>;

/** The partition key: one entity's events always meet one detector. */
export function entityKey(entity: Entity): string {
  return `${entity.type}:${entity.id}`;
}
