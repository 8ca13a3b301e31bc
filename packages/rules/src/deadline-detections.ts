import type { Detection, Entity, VigilEvent } from '@vigil/schema';
import type { DeadlineFiring, DeadlineResolution } from './deadline';
import { deadlineSuffix, detectionBase, detectionId, firingEvent, isoTime } from './detection-builder';
import type { Rule } from './rule';

interface Detail {
  title: string;
  summary: string;
  attributes: Detection['attributes'];
}

/**
 * The detection for a deadline that came due: id from the arming event and the due time, times and
 * evidence from the firing record, so a retried tick rebuilds it exactly.
 */
export function deadlineDetection<P>(
  rule: Rule<P>,
  firing: DeadlineFiring,
  about: { entity: Entity; source: string },
  detail: Detail,
): Detection {
  const base = detectionBase(rule, firingEvent(firing.evidence, about.entity, about.source));
  return {
    id: detectionId(rule.id, base.dedupKey, firing.evidence.eventId, deadlineSuffix(firing.dueMs)),
    ...base,
    status: 'firing',
    ...detail,
    firstEventAt: firing.evidence.time,
    detectedAt: isoTime(firing.detectedAtMs),
    evidence: [firing.evidence],
  };
}

/** The detection that closes a fired deadline: built from the event and the stored resolution. */
export function deadlineResolvedDetection<P>(
  rule: Rule<P>,
  event: VigilEvent,
  resolution: DeadlineResolution,
  detail: Detail & { entity?: Entity },
): Detection {
  const { entity, ...rest } = detail;
  const base = detectionBase(rule, event, entity);
  return {
    id: detectionId(rule.id, base.dedupKey, resolution.triggerEventId, 'resolved'),
    ...base,
    status: 'resolved',
    ...rest,
    firstEventAt: isoTime(resolution.armedAtMs),
    detectedAt: isoTime(resolution.detectedAtMs),
    evidence: resolution.evidence,
  };
}
