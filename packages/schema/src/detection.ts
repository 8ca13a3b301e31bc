import { z } from 'zod';
import { AttributeValue, Entity, safeText, Timestamp, VigilEvent } from './event';

export const Severity = z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4']);
export type Severity = z.infer<typeof Severity>;

export const Category = z.enum(['security', 'availability', 'logging']);
export type Category = z.infer<typeof Category>;

/** SOC 2 Trust Services Criteria identifiers this project maps to, e.g. `CC7.2`, `A1.2`. */
export const CRITERION_PATTERN = /^(CC\d\.\d|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)$/;
export const Criterion = z.string().regex(CRITERION_PATTERN);

/** At most this many distinct IPs (and user agents) are carried by a detection or kept on an incident. */
export const MAX_OBSERVED = 50;

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
 * One event behind a detection, whole: the normalised event with its raw source payload, so that the register
 * keeps it after the stream has let it go. A raw payload too large to carry is cut to a prefix of its JSON text
 * and `rawCapped` gives the whole one's size and SHA-256.
 */
export const EvidencePayload = z.object({
  event: VigilEvent,
  rawCapped: z.object({ bytes: z.number().int().nonnegative(), sha256: z.string(), reason: z.string() }).optional(),
});
export type EvidencePayload = z.infer<typeof EvidencePayload>;

/**
 * A rule's verdict. `firing` opens or updates the incident for `dedupKey`; `resolved` closes it
 * (for self-resolving rules such as service-down).
 */
export const Detection = z.object({
  /** Deterministic: `<ruleId>:<dedupKey>:<triggering event id>[:<transition>]`; a redelivery repeats it exactly. */
  id: safeText().min(1).max(700),
  ruleId: z.string().min(1),
  ruleVersion: z.number().int().positive(),
  status: z.enum(['firing', 'resolved']),
  title: safeText().min(1),
  summary: safeText(),
  criteria: z.array(Criterion).min(1),
  category: Category,
  severity: Severity,
  dedupKey: safeText().min(1).max(600),
  entity: Entity,
  /** Who owns it in the owners map: a service, a source or the rule id. */
  ownerKey: z.string().min(1),
  firstEventAt: Timestamp,
  detectedAt: Timestamp,
  evidence: z.array(EvidenceRef).min(1),
  /**
   * The events of `evidence` the detector still had in hand when it fired (always the triggering one), at most
   * the first and last `DETECTION_PAYLOAD_LIMITS.perEnd` of them; absent from detections made before payloads.
   */
  payloads: z.array(EvidencePayload).optional(),
  attributes: z.record(safeText(), AttributeValue).default({}),
  /**
   * The rule as it was when it fired: its parameters in force and the sha256 of the rules configuration
   * loaded (override file and rules directory), so an auditor can tell which version of a rule fired.
   */
  ruleConfig: z
    .object({
      parameters: z.record(z.string(), z.json()),
      rulesHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    })
    .optional(),
  /**
   * The burst behind a windowed rule's detection: its id (the crossing event's id) and its events so far.
   * A `continuation` reports later events of a burst that already fired: it only adds to the incident the
   * burst opened while that incident is live, and never opens, reopens or pages on its own.
   */
  burst: z
    .object({
      id: safeText().min(1).max(300),
      events: z.number().int().positive(),
      continuation: z.boolean(),
    })
    .optional(),
  /** Distinct source IPs and user agents of the evidence, bounded. */
  observed: z
    .object({
      ips: z.array(safeText().max(64)).max(MAX_OBSERVED),
      userAgents: z.array(safeText().max(256)).max(MAX_OBSERVED),
    })
    .optional(),
});
export type Detection = z.infer<typeof Detection>;
