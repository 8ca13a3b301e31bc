import { z } from 'zod';
import { Entity, Timestamp } from './event';

export const Severity = z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4']);
export type Severity = z.infer<typeof Severity>;

export const Category = z.enum(['security', 'availability', 'logging']);
export type Category = z.infer<typeof Category>;

/** SOC 2 Trust Services Criteria identifiers this project maps to, e.g. `CC7.2`, `A1.2`. */
export const Criterion = z.string().regex(/^(CC\d\.\d|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)$/);

/** Where an event sits in the stream, so an auditor can find it again. */
export const EvidenceRef = z.object({
  eventId: z.string().min(1),
  topic: z.string().min(1),
  partition: z.number().int().nonnegative(),
  offset: z.string().regex(/^\d+$/),
  time: Timestamp,
});
export type EvidenceRef = z.infer<typeof EvidenceRef>;

/**
 * A rule's verdict. `firing` opens or updates the incident for `dedupKey`; `resolved` closes it
 * (for self-resolving rules such as service-down).
 */
export const Detection = z.object({
  /** Deterministic: `<ruleId>:<dedupKey>:<triggering event id>[:<transition>]`; a redelivery repeats it exactly. */
  id: z.string().min(1).max(700),
  ruleId: z.string().min(1),
  ruleVersion: z.number().int().positive(),
  status: z.enum(['firing', 'resolved']),
  title: z.string().min(1),
  summary: z.string(),
  criteria: z.array(Criterion).min(1),
  category: Category,
  severity: Severity,
  dedupKey: z.string().min(1).max(600),
  entity: Entity,
  /** Who owns it in the owners map: a service, a source or the rule id. */
  ownerKey: z.string().min(1),
  firstEventAt: Timestamp,
  detectedAt: Timestamp,
  evidence: z.array(EvidenceRef).min(1),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
});
export type Detection = z.infer<typeof Detection>;
