import type { EvidenceRef } from '@vigil/schema';
import { z } from 'zod';
import { CONSECUTIVE_STATE_LUA } from './consecutive-state.lua';
import { StoredEvidence, encodePosition, toEvidenceRef, type StreamPosition } from './evidence';
import { replyStrings, type LuaScript, type RedisBatch } from './redis-batch';
import type { ScopeKeys } from './state-keys';

export const CONSECUTIVE_STATE_SCRIPT: LuaScript = {
  name: 'vigilConsecutiveState',
  numberOfKeys: 4,
  lua: CONSECUTIVE_STATE_LUA,
};

export interface ConsecutiveStateInput {
  keys: ScopeKeys;
  eventId: string;
  eventTimeMs: number;
  position: StreamPosition;
  succeeded: boolean;
  /** Consecutive failures, in event-time order, that take the scope down. */
  failuresToTrip: number;
  /** How far behind the newest check of this scope a check may be and still count. */
  latenessMs: number;
  /** Wall-clock reading recorded as the detection time of a transition. */
  nowMs: number;
  stateTtlMs: number;
  replayTtlMs: number;
}

/** A change of state and what caused it; stored in Redis so a redelivery rebuilds the same detection. */
export interface StateTransition {
  to: 'down' | 'up';
  triggerEventId: string;
  triggerTimeMs: number;
  /** Down: the first failure of the run. Up: when that outage began (so downtime = trigger - since). */
  sinceMs: number;
  detectedAtMs: number;
  /** Down: the consecutive failures that tripped it (the threshold in force). Up: 0. */
  failures: number;
  /** Down: the failures that tripped it. Up: the outage's first failure and the recovering check. */
  evidence: EvidenceRef[];
}

export type ConsecutiveStateResult =
  | { kind: 'unchanged'; status: 'up' | 'down' }
  | { kind: 'transition'; transition: StateTransition; replayed: boolean }
  | { kind: 'duplicate' }
  | { kind: 'late'; newestMs: number };

const TransitionRecord = z.object({
  to: z.enum(['down', 'up']),
  trigger: z.string(),
  at: z.number(),
  since: z.number(),
  detectedAt: z.number(),
  failures: z.number().int().optional(),
  evidence: z.array(StoredEvidence).min(1),
});

function parseTransition(text: string): StateTransition {
  const record = TransitionRecord.parse(JSON.parse(text));
  return {
    to: record.to,
    triggerEventId: record.trigger,
    triggerTimeMs: record.at,
    sinceMs: record.since,
    detectedAtMs: record.detectedAt,
    failures: record.failures ?? 0,
    evidence: record.evidence.map(toEvidenceRef),
  };
}

function parseReply(reply: unknown): ConsecutiveStateResult {
  const [kind, first] = replyStrings(reply, CONSECUTIVE_STATE_SCRIPT.name);
  switch (kind) {
    case 'unchanged':
      return { kind, status: first === 'down' ? 'down' : 'up' };
    case 'transition':
    case 'replayed':
      return { kind: 'transition', transition: parseTransition(first ?? ''), replayed: kind === 'replayed' };
    case 'duplicate':
      return { kind };
    case 'late':
      return { kind, newestMs: Number(first) };
    default:
      throw new Error(`${CONSECUTIVE_STATE_SCRIPT.name}: unknown reply ${JSON.stringify(reply)}`);
  }
}

/**
 * Records one check (member encodes event id and up/down, score = event time) and moves the scope's
 * state: `failuresToTrip` consecutive failures take it down; the first success after them brings it
 * back up. The state hash keeps the status, since when, and the event that caused the last change.
 */
export function consecutiveState(
  batch: RedisBatch,
  input: ConsecutiveStateInput,
): Promise<ConsecutiveStateResult> {
  const { base } = input.keys;
  return batch.run(
    CONSECUTIVE_STATE_SCRIPT,
    [`${base}:checks`, `${base}:positions`, `${base}:state`, input.keys.replayRecord(input.eventId)],
    [
      input.eventId,
      input.eventTimeMs,
      encodePosition(input.position),
      input.succeeded ? '1' : '0',
      input.failuresToTrip,
      input.latenessMs,
      input.nowMs,
      input.stateTtlMs,
      input.replayTtlMs,
    ],
    parseReply,
  );
}
