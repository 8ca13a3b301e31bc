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
  // Each key's detections in order; a key takes the place of its newest detection.
  const groups = new Map<string, Detection[]>();
  for (const detection of detections) {
    const burst = detection.burst;
    const key = burst?.continuation ? `burst\u0000${detection.dedupKey}\u0000${burst.id}` : `id\u0000${detection.id}`;
    const group = groups.get(key);
    if (group) {
      groups.delete(key);
      group.push(detection);
    }
    groups.set(key, group ?? [detection]);
  }
  const out: Detection[] = [];
  for (const group of groups.values()) out.push(group.length === 1 ? group[0]! : mergeContinuations(group));
  return out;
}

/**
 * Distinct values in the order first added, the newest `max` kept. Adding and cutting after each
 * detection folds a group exactly as merging its detections two at a time would, without copying.
 */
class NewestDistinct<T> {
  private readonly items: T[] = [];
  private readonly keys = new Set<string>();
  private head = 0;

  constructor(
    private readonly max: number,
    private readonly keyOf: (item: T) => string,
  ) {}

  add(items: readonly T[] = []): void {
    for (const item of items) {
      const key = this.keyOf(item);
      if (this.keys.has(key)) continue;
      this.keys.add(key);
      this.items.push(item);
    }
  }

  cut(): void {
    while (this.items.length - this.head > this.max) this.keys.delete(this.keyOf(this.items[this.head++]!));
  }

  newest(): T[] {
    return this.items.slice(this.head);
  }
}

/** A group's continuations as one: the newest one's fields, with what all of them saw. */
function mergeContinuations(group: readonly Detection[]): Detection {
  const first = group[0]!;
  const evidence = new NewestDistinct<Detection['evidence'][number]>(MAX_CONTINUATION_EVIDENCE, (ref) => ref.eventId);
  const ips = new NewestDistinct<string>(MAX_OBSERVED, String);
  const userAgents = new NewestDistinct<string>(MAX_OBSERVED, String);
  evidence.add(first.evidence);
  ips.add(first.observed?.ips);
  userAgents.add(first.observed?.userAgents);
  let events = first.burst?.events ?? 0;
  let firstEventAt = first.firstEventAt;
  for (let i = 1; i < group.length; i++) {
    const later = group[i]!;
    events = Math.max(events, later.burst?.events ?? 0);
    if (!(Date.parse(firstEventAt) < Date.parse(later.firstEventAt))) firstEventAt = later.firstEventAt;
    evidence.add(later.evidence);
    ips.add(later.observed?.ips);
    userAgents.add(later.observed?.userAgents);
    evidence.cut();
    ips.cut();
    userAgents.cut();
  }
  const last = group[group.length - 1]!;
  return {
    ...last,
    summary: `${events} events in the burst so far.`,
    firstEventAt,
    evidence: evidence.newest(),
    burst: { id: last.burst?.id ?? '', events, continuation: true },
    observed: { ips: ips.newest(), userAgents: userAgents.newest() },
  };
}
