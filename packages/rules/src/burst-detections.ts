import { MAX_OBSERVED, type Detection, type Entity, type VigilEvent } from '@vigil/schema';
import { detectionBase, detectionId, eventEvidence } from './detection-builder';
import { observedOf, type ObservedSet, type StreamPosition } from './evidence';
import type { Rule } from './rule';
import type { BurstProgress } from './window-reply';

/** Evidence refs one coalesced continuation carries; the burst's count covers every event. */
export const MAX_CONTINUATION_EVIDENCE = 50;

/** What a crossing adds to its detection: the burst it starts (named by its trigger) and who was behind it. */
export function crossingBurst(crossing: {
  triggerEventId: string;
  count: number;
  observed: ObservedSet;
}): Pick<Detection, 'burst' | 'observed'> {
  return {
    burst: { id: crossing.triggerEventId, events: crossing.count, continuation: false },
    observed: {
      ips: crossing.observed.ips.slice(-MAX_OBSERVED),
      userAgents: crossing.observed.userAgents.slice(-MAX_OBSERVED),
    },
  };
}

/**
 * A later event of a burst that already fired: it adds its count, time, address and client to the incident
 * the burst opened while that incident is live, and does nothing else. Built from the event and the burst's
 * count alone, so a redelivery rebuilds it exactly.
 */
export function burstContinuation<P>(
  rule: Rule<P>,
  event: VigilEvent,
  position: StreamPosition,
  burst: BurstProgress,
  entity?: Entity,
): Detection {
  const base = detectionBase(rule, event, entity);
  const { ip, userAgent } = observedOf(event);
  return {
    id: detectionId(rule.id, base.dedupKey, event.id, 'burst'),
    ...base,
    status: 'firing',
    title: rule.title,
    summary: `${burst.events} events in the burst so far.`,
    firstEventAt: event.time,
    detectedAt: event.receivedAt,
    evidence: [eventEvidence(event, position)],
    attributes: {},
    burst: { id: burst.id, events: burst.events, continuation: true },
    observed: { ips: ip ? [ip] : [], userAgents: userAgent ? [userAgent] : [] },
  };
}

/**
 * One continuation per dedup key and burst for a batch: the newest one's id, the most events any of them
 * counted, the earliest first event, their evidence (the newest `MAX_CONTINUATION_EVIDENCE`) and their
 * addresses and clients. Other detections pass through in order. A busy burst then costs the register one
 * change per batch, not one per event.
 */
export function coalesceContinuations(detections: readonly Detection[]): Detection[] {
  const merged = new Map<string, Detection>();
  for (const detection of detections) {
    const burst = detection.burst;
    const key = burst?.continuation ? `burst\u0000${detection.dedupKey}\u0000${burst.id}` : `id\u0000${detection.id}`;
    const earlier = merged.get(key);
    if (earlier) merged.delete(key);
    merged.set(key, earlier ? mergeContinuations(earlier, detection) : detection);
  }
  return [...merged.values()];
}

function mergeContinuations(earlier: Detection, later: Detection): Detection {
  const events = Math.max(earlier.burst?.events ?? 0, later.burst?.events ?? 0);
  const seen = new Set<string>();
  const evidence = [...earlier.evidence, ...later.evidence]
    .filter((ref) => !seen.has(ref.eventId) && seen.add(ref.eventId))
    .slice(-MAX_CONTINUATION_EVIDENCE);
  return {
    ...later,
    summary: `${events} events in the burst so far.`,
    firstEventAt: Date.parse(earlier.firstEventAt) < Date.parse(later.firstEventAt) ? earlier.firstEventAt : later.firstEventAt,
    evidence,
    burst: { id: later.burst?.id ?? '', events, continuation: true },
    observed: {
      ips: union(earlier.observed?.ips, later.observed?.ips),
      userAgents: union(earlier.observed?.userAgents, later.observed?.userAgents),
    },
  };
}

function union(a: readonly string[] = [], b: readonly string[] = []): string[] {
  return [...new Set([...a, ...b])].slice(-MAX_OBSERVED);
}
