import type { EvidenceRef } from '@vigil/schema';
import { z } from 'zod';
import { COUNT_IN_WINDOW_LUA } from './count-in-window.lua';
import {
  StoredEvidence,
  encodePosition,
  observedIn,
  toEvidenceRef,
  type Observed,
  type ObservedSet,
  type StreamPosition,
} from './evidence';
import type { LuaScript, RedisBatch } from './redis-batch';
import type { ScopeKeys } from './state-keys';
import { COUNTED_IDS_KEPT, parseWindowReply, type WindowReply } from './window-reply';

export const COUNT_IN_WINDOW_SCRIPT: LuaScript = {
  name: 'vigilCountInWindow',
  numberOfKeys: 4,
  lua: COUNT_IN_WINDOW_LUA,
};

export interface CountInWindowInput {
  keys: ScopeKeys;
  eventId: string;
  eventTimeMs: number;
  position: StreamPosition;
  /** The event's IP and user agent, kept with it as evidence. */
  observed?: Observed;
  windowMs: number;
  /** How far behind the newest event of this scope an event may be and still count. */
  latenessMs: number;
  /** The count at which the window crosses. */
  threshold: number;
  /** At most this many of the window's events are kept as evidence (the trigger always is). */
  maxEvidence: number;
  /** Wall-clock reading recorded as the detection time of a crossing. */
  nowMs: number;
  /** Idle state expires after this long without events (wall clock). */
  stateTtlMs: number;
  /** How long the record of a crossing is kept for redeliveries (wall clock). */
  replayTtlMs: number;
  /** How many ids trimmed from the window stay known as counted; default `COUNTED_IDS_KEPT`. */
  countedKept?: number;
}

/** What the crossing event saw; stored in Redis so a redelivery rebuilds the same detection. */
export interface WindowCrossing {
  triggerEventId: string;
  triggerTimeMs: number;
  /** The end of the window that crossed: the trigger's time, or a later one when the trigger was late. */
  windowEndMs: number;
  count: number;
  firstEventMs: number;
  detectedAtMs: number;
  windowMs: number;
  threshold: number;
  /** Oldest first. */
  evidence: EvidenceRef[];
  /** The distinct IPs and user agents of the evidence. */
  observed: ObservedSet;
}

export type CountInWindowResult = WindowReply<WindowCrossing>;

const CrossingRecord = z.object({
  trigger: z.string(),
  triggerTime: z.number(),
  at: z.number(),
  count: z.number().int(),
  firstAt: z.number(),
  detectedAt: z.number(),
  windowMs: z.number(),
  threshold: z.number().int(),
  evidence: z.array(StoredEvidence).min(1),
});

function parseCrossing(text: string): WindowCrossing {
  const record = CrossingRecord.parse(JSON.parse(text));
  return {
    triggerEventId: record.trigger,
    triggerTimeMs: record.triggerTime,
    windowEndMs: record.at,
    count: record.count,
    firstEventMs: record.firstAt,
    detectedAtMs: record.detectedAt,
    windowMs: record.windowMs,
    threshold: record.threshold,
    evidence: record.evidence.map(toEvidenceRef),
    observed: observedIn(record.evidence),
  };
}

/** The script's reply as a result; also reads the replies of the in-process port (`local-state/`). */
export function parseCountInWindowReply(reply: unknown): CountInWindowResult {
  return parseWindowReply(reply, COUNT_IN_WINDOW_SCRIPT.name, parseCrossing);
}

/**
 * Adds one event to its scope's window (member = event id, score = event time) and reports whether
 * the count in [t - window, t] crossed the threshold. Event time drives everything: the window, the
 * lateness cut-off (relative to the newest event seen for the scope) and trimming.
 */
export function countInWindow(batch: RedisBatch, input: CountInWindowInput): Promise<CountInWindowResult> {
  const { base } = input.keys;
  return batch.run(
    COUNT_IN_WINDOW_SCRIPT,
    [`${base}:window`, `${base}:data`, input.keys.replayRecord(input.eventId), `${base}:counted`],
    [
      input.eventId,
      input.eventTimeMs,
      encodePosition(input.position, input.observed),
      input.windowMs,
      input.latenessMs,
      input.threshold,
      input.maxEvidence,
      input.nowMs,
      input.stateTtlMs,
      input.replayTtlMs,
      input.countedKept ?? COUNTED_IDS_KEPT,
    ],
    parseCountInWindowReply,
  );
}
