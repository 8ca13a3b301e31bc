import { createHash } from 'node:crypto';
import type { Detection, VigilEvent } from '@vigil/schema';
import type { Rule } from './rule';

const MAX_DETECTION_ID = 700;

/**
 * `<ruleId>:<dedupKey>:<triggering event id>[:<suffix>]`, so a redelivery repeats it exactly and the
 * alerter can drop repeats. Ids that would pass the schema's limit keep the rule id and hash the rest.
 */
export function detectionId(ruleId: string, dedupKey: string, eventId: string, suffix?: string): string {
  const tail = suffix ? `:${suffix}` : '';
  const id = `${ruleId}:${dedupKey}:${eventId}${tail}`;
  if (id.length <= MAX_DETECTION_ID) return id;
  const digest = createHash('sha256').update(`${dedupKey}\u0000${eventId}`).digest('hex');
  return `${ruleId}:sha256:${digest}${tail}`;
}

export type DetectionBase = Pick<
  Detection,
  'ruleId' | 'ruleVersion' | 'criteria' | 'category' | 'severity' | 'dedupKey' | 'entity' | 'ownerKey'
>;

/** The fields every detection of `rule` about `event` shares, with overrides (severity, owner) applied. */
export function detectionBase<P>(rule: Rule<P>, event: VigilEvent): DetectionBase {
  return {
    ruleId: rule.id,
    ruleVersion: rule.version,
    criteria: [...rule.criteria],
    category: rule.category,
    severity: rule.severity,
    dedupKey: rule.dedupKey(event),
    entity: { type: event.entity.type, id: event.entity.id },
    ownerKey: rule.ownerKey(event),
  };
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
