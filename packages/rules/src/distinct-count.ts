import type { EvidenceRef } from '@vigil/schema';
import { z } from 'zod';
import { DISTINCT_COUNT_LUA } from './distinct-count.lua';
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

export const DISTINCT_COUNT_SCRIPT: LuaScript = {
  name: 'vigilDistinctCount',
  numberOfKeys: 4,
  lua: DISTINCT_COUNT_LUA,
};

export interface DistinctCountInput {
  keys: ScopeKeys;
  eventId: string;
  eventTimeMs: number;
  position: StreamPosition;
  /** The event's IP and user agent, kept with it as evidence. */
  observed?: Observed;
  /** What is counted once however often it appears, e.g. the user. */
  value: string;
  windowMs: number;
  /** How far behind the newest event of this scope an event may be and still count. */
  latenessMs: number;
  /** The number of distinct values at which the window crosses. */
  threshold: number;
  /** At most this many values' newest events are kept as evidence (the trigger always is). */
  maxEvidence: number;
  nowMs: number;
  stateTtlMs: number;
  replayTtlMs: number;
  /** How many values trimmed from the window stay known as counted; default `COUNTED_IDS_KEPT`. */
  countedKept?: number;
}

/** What the crossing event saw; stored in Redis so a redelivery rebuilds the same detection. */
export interface DistinctCrossing {
  triggerEventId: string;
  triggerTimeMs: number;
  /** The end of the window that crossed: the newest event time of the scope. */
  windowEndMs: number;
  /** Distinct values in the window. */
  count: number;
  firstEventMs: number;
  detectedAtMs: number;
  windowMs: number;
  threshold: number;
  /** The distinct values in the evidence, in evidence order. */
  values: string[];
  /** One event per value (its newest), oldest first. */
  evidence: EvidenceRef[];
  /** The distinct IPs and user agents of the evidence. */
  observed: ObservedSet;
}

export type DistinctCountResult = WindowReply<DistinctCrossing>;

const CrossingRecord = z.object({
  trigger: z.string(),
  triggerTime: z.number(),
  at: z.number(),
  count: z.number().int(),
  firstAt: z.number(),
  detectedAt: z.number(),
  windowMs: z.number(),
  threshold: z.number().int(),
  evidence: z.array(StoredEvidence.extend({ value: z.string() })).min(1),
});

function parseCrossing(text: string): DistinctCrossing {
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
    values: record.evidence.map((entry) => entry.value),
    evidence: record.evidence.map(toEvidenceRef),
    observed: observedIn(record.evidence),
  };
}

/** The script's reply as a result; also reads the replies of the in-process port (`local-state/`). */
export function parseDistinctCountReply(reply: unknown): DistinctCountResult {
  return parseWindowReply(reply, DISTINCT_COUNT_SCRIPT.name, parseCrossing);
}

/**
 * Adds one event's value to its scope and reports whether the number of distinct values in the
 * window ending at the scope's newest event crossed the threshold. Event time drives everything.
 */
export function distinctCount(batch: RedisBatch, input: DistinctCountInput): Promise<DistinctCountResult> {
  const { base } = input.keys;
  return batch.run(
    DISTINCT_COUNT_SCRIPT,
    [`${base}:values`, `${base}:data`, input.keys.replayRecord(input.eventId), `${base}:counted`],
    [
      input.eventId,
      input.eventTimeMs,
      encodePosition(input.position, input.observed),
      input.value,
      input.windowMs,
      input.latenessMs,
      input.threshold,
      input.maxEvidence,
      input.nowMs,
      input.stateTtlMs,
      input.replayTtlMs,
      input.countedKept ?? COUNTED_IDS_KEPT,
    ],
    parseDistinctCountReply,
  );
}
