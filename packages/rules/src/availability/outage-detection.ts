import type { Detection, EvidenceRef, VigilEvent } from '@vigil/schema';
import { detectionBase, detectionId, isoTime } from '../detection-builder';
import { formatDuration } from '../duration';
import type { Rule } from '../rule';

/** An up/down change of a service as a rule measured it; stored in Redis, so a redelivery rebuilds it. */
export interface OutageChange {
  to: 'down' | 'up';
  triggerEventId: string;
  /** Up: the end of the outage (event time). */
  triggerTimeMs: number;
  /** When the outage began (event time). */
  sinceMs: number;
  detectedAtMs: number;
  evidence: EvidenceRef[];
}

/**
 * The detection of an outage's start or end. Its attributes carry the transition the register keeps
 * (`outage_transitions`): down at the outage's first evidence, up at its end, and how it was measured.
 */
export function outageDetection<P>(
  rule: Rule<P>,
  event: VigilEvent,
  change: OutageChange,
  down: { summary: string; attributes: Detection['attributes']; idSuffix?: string },
  measuredBy: string,
): Detection {
  const base = detectionBase(rule, event);
  const service = event.entity.id;
  const common = {
    ...base,
    firstEventAt: isoTime(change.sinceMs),
    detectedAt: isoTime(change.detectedAtMs),
    evidence: change.evidence,
  };
  if (change.to === 'down') {
    return {
      id: detectionId(rule.id, base.dedupKey, change.triggerEventId, down.idSuffix),
      ...common,
      status: 'firing',
      title: `Service ${service} is down`,
      summary: down.summary,
      attributes: {
        ...down.attributes,
        downSince: isoTime(change.sinceMs),
        outage: 'down',
        outageAt: isoTime(change.sinceMs),
        measuredBy,
      },
    };
  }
  const downtimeMs = change.triggerTimeMs - change.sinceMs;
  return {
    id: detectionId(rule.id, base.dedupKey, change.triggerEventId, 'resolved'),
    ...common,
    status: 'resolved',
    title: `Service ${service} is back up`,
    summary: `${service} recovered at ${isoTime(change.triggerTimeMs)} after ${formatDuration(downtimeMs)} down.`,
    attributes: {
      downtimeSeconds: downtimeMs / 1000,
      downSince: isoTime(change.sinceMs),
      recoveredAt: isoTime(change.triggerTimeMs),
      outage: 'up',
      outageAt: isoTime(change.triggerTimeMs),
      measuredBy,
    },
  };
}
