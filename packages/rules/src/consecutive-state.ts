import type { EvidenceRef } from '@vigil/schema';
import { z } from 'zod';
import { CONSECUTIVE_STATE_LUA } from './consecutive-state.lua';
import { StoredEvidence, encodePosition, toEvidenceRef, type StreamPosition } from './evidence';
import { replyStrings, type LuaScript, type RedisBatch } from './redis-batch';
import type { ScopeKeys } from './state-keys';
import { COUNTED_IDS_KEPT } from './window-reply';

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
  /** The check's region; checks without one take no part in the region trigger. */
  region?: string;
  /** Down also when the latest checks of this many regions failed within `regionWindowMs`; 0 or absent: off. */
  regionsToTrip?: number;
  regionWindowMs?: number;
  /** Commitment mode: account downtime per period and report breaches (and nothing else). */
  commitment?: CommitmentSpec;
}

/** The period the check falls in and the availability promised for it. */
export interface CommitmentSpec {
  periodStartMs: number;
  periodEndMs: number;
  /** Availability as a ratio, e.g. 0.999. */
  ratio: number;
  /** `elapsed`: availability over the period so far; `period`: downtime against the whole period. */
  basis: 'elapsed' | 'period';
}

/** The in-order check at which availability for the period fell below the commitment. */
export interface CommitmentBreach {
  triggerEventId: string;
  triggerTimeMs: number;
  detectedAtMs: number;
  periodStartMs: number;
  periodEndMs: number;
  /** Downtime in the period up to the trigger, including an outage still going on. */
  downtimeMs: number;
  /** What the availability is measured over: the period so far, or the whole period. */
  spanMs: number;
  commitment: number;
  basis: 'elapsed' | 'period';
  /** The first failure of the outage that broke it (or the trigger). */
  firstEventMs: number;
  /** The outage's first failure and the trigger. */
  evidence: EvidenceRef[];
}

/** A change of state and what caused it; stored in Redis so a redelivery rebuilds the same detection. */
export interface StateTransition {
  to: 'down' | 'up';
  triggerEventId: string;
  triggerTimeMs: number;
  /** Down: the first failure of the run. Up: when that outage began (so downtime = trigger - since). */
  sinceMs: number;
  detectedAtMs: number;
  /** Down: the consecutive failures, or the failing regions, that tripped it. Up: 0. */
  failures: number;
  /** Down: what tripped it. */
  cause?: 'consecutive' | 'regions';
  /** Down by regions: the failing regions. */
  regions?: string[];
  /** Down: the failures that tripped it. Up: the outage's first failure and the recovering check. */
  evidence: EvidenceRef[];
}

export type ConsecutiveStateResult =
  | { kind: 'unchanged'; status: 'up' | 'down' }
  | { kind: 'transition'; transition: StateTransition; replayed: boolean }
  | { kind: 'breach'; breach: CommitmentBreach; replayed: boolean }
  | { kind: 'duplicate' }
  | { kind: 'late'; newestMs: number };

const TransitionRecord = z.object({
  to: z.enum(['down', 'up']),
  trigger: z.string(),
  at: z.number(),
  since: z.number(),
  detectedAt: z.number(),
  failures: z.number().int().optional(),
  cause: z.enum(['consecutive', 'regions']).optional(),
  regions: z.array(z.string()).optional(),
  evidence: z.array(StoredEvidence).min(1),
});

const BreachRecord = z.object({
  trigger: z.string(),
  at: z.number(),
  detectedAt: z.number(),
  periodStart: z.number(),
  periodEnd: z.number(),
  downtimeMs: z.number(),
  spanMs: z.number(),
  commitment: z.number(),
  basis: z.enum(['elapsed', 'period']),
  firstAt: z.number(),
  evidence: z.array(StoredEvidence).min(1),
});

function parseBreach(text: string): CommitmentBreach {
  const r = BreachRecord.parse(JSON.parse(text));
  return {
    triggerEventId: r.trigger,
    triggerTimeMs: r.at,
    detectedAtMs: r.detectedAt,
    periodStartMs: r.periodStart,
    periodEndMs: r.periodEnd,
    downtimeMs: r.downtimeMs,
    spanMs: r.spanMs,
    commitment: r.commitment,
    basis: r.basis,
    firstEventMs: r.firstAt,
    evidence: r.evidence.map(toEvidenceRef),
  };
}

function parseTransition(text: string): StateTransition {
  const record = TransitionRecord.parse(JSON.parse(text));
  return {
    to: record.to,
    triggerEventId: record.trigger,
    triggerTimeMs: record.at,
    sinceMs: record.since,
    detectedAtMs: record.detectedAt,
    failures: record.failures ?? 0,
    ...(record.cause ? { cause: record.cause } : {}),
    ...(record.regions ? { regions: record.regions } : {}),
    evidence: record.evidence.map(toEvidenceRef),
  };
}

function parseReply(reply: unknown, commitmentMode: boolean): ConsecutiveStateResult {
  const [kind, first] = replyStrings(reply, CONSECUTIVE_STATE_SCRIPT.name);
  switch (kind) {
    case 'unchanged':
      return { kind, status: first === 'down' ? 'down' : 'up' };
    case 'breach':
      return { kind: 'breach', breach: parseBreach(first ?? ''), replayed: false };
    case 'transition':
      return { kind: 'transition', transition: parseTransition(first ?? ''), replayed: false };
    case 'replayed':
      return commitmentMode
        ? { kind: 'breach', breach: parseBreach(first ?? ''), replayed: true }
        : { kind: 'transition', transition: parseTransition(first ?? ''), replayed: true };
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
 * state: `failuresToTrip` consecutive failures (or failures from `regionsToTrip` regions) take it
 * down; the first newest success after them brings it back up. The state hash keeps the status,
 * since when, the event that caused the last change, each region's latest check, and in commitment
 * mode the period's downtime.
 */
export function consecutiveState(
  batch: RedisBatch,
  input: ConsecutiveStateInput,
): Promise<ConsecutiveStateResult> {
  const { base } = input.keys;
  const { commitment } = input;
  return batch.run(
    CONSECUTIVE_STATE_SCRIPT,
    [`${base}:checks`, `${base}:state`, input.keys.replayRecord(input.eventId), `${base}:counted`],
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
      input.region ?? '',
      input.regionsToTrip ?? 0,
      input.regionWindowMs ?? 0,
      commitment ? '1' : '0',
      commitment?.periodStartMs ?? 0,
      commitment?.periodEndMs ?? 0,
      commitment?.ratio ?? 0,
      commitment?.basis ?? 'elapsed',
      COUNTED_IDS_KEPT,
    ],
    (reply) => parseReply(reply, commitment !== undefined),
  );
}
