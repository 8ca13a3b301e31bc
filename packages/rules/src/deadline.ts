import type { EvidenceRef } from '@vigil/schema';
import { z } from 'zod';
import { DEADLINE_ARM_LUA, DEADLINE_COMMIT_LUA, DEADLINE_TICK_LUA } from './deadline.lua';
import { StoredEvidence, encodePosition, toEvidenceRef, type StreamPosition } from './evidence';
import { replyStrings, type LuaScript, type RedisBatch } from './redis-batch';

export const DEADLINE_ARM_SCRIPT: LuaScript = {
  name: 'vigilDeadlineArm',
  numberOfKeys: 2,
  lua: DEADLINE_ARM_LUA,
};
export const DEADLINE_TICK_SCRIPT: LuaScript = {
  name: 'vigilDeadlineTick',
  numberOfKeys: 2,
  lua: DEADLINE_TICK_LUA,
};
export const DEADLINE_COMMIT_SCRIPT: LuaScript = {
  name: 'vigilDeadlineCommit',
  numberOfKeys: 2,
  lua: DEADLINE_COMMIT_LUA,
};
export const DEADLINE_SCRIPTS = [DEADLINE_ARM_SCRIPT, DEADLINE_TICK_SCRIPT, DEADLINE_COMMIT_SCRIPT];

/** One rule's timers: every scope's deadline in one sorted set and one hash, under one hash tag. */
export interface DeadlineKeys {
  due: string;
  state: string;
}

export function deadlineKeys(keyPrefix: string, ruleId: string): DeadlineKeys {
  const base = `${keyPrefix}rules:{${ruleId}|deadlines}`;
  return { due: `${base}:due`, state: `${base}:state` };
}

export interface DeadlineArmInput {
  keys: DeadlineKeys;
  /** Groups the batch's arming calls for this rule into one script call. */
  groupKey: string;
  op: 'arm' | 'arm-if-absent';
  scope: string;
  eventId: string;
  eventTimeMs: number;
  position: StreamPosition;
  dueAtMs: number;
  /** Wall-clock reading recorded as the detection time of a resolution. */
  nowMs: number;
}

/** A fired deadline that a later event ended; stored so a redelivery of that event repeats it. */
export interface DeadlineResolution {
  triggerEventId: string;
  triggerTimeMs: number;
  detectedAtMs: number;
  /** The deadline that had fired. */
  dueMs: number;
  firedAtMs: number;
  /** Event time of the event that had armed it (the last one before the silence). */
  armedAtMs: number;
  /** The arming event, then the event that ended it. */
  evidence: EvidenceRef[];
}

export type DeadlineResult =
  | { kind: 'armed' }
  /** An older event than the one that armed the timer, or `arm-if-absent` on an armed scope. */
  | { kind: 'unchanged' }
  | { kind: 'resolved'; resolution: DeadlineResolution; replayed: boolean };

/** A deadline that came due: built into a detection by the rule's `onDeadline`. */
export interface DeadlineFiring {
  scope: string;
  dueMs: number;
  /** Event time of the arming event. */
  armedAtMs: number;
  /** When it first fired (wall clock); a retried firing keeps it. */
  detectedAtMs: number;
  /** The event that armed it, where it sits in the stream. */
  evidence: EvidenceRef;
}

const ResolutionRecord = z.object({
  trigger: z.string(),
  at: z.number(),
  detectedAt: z.number(),
  due: z.number(),
  firedAt: z.number(),
  armedAt: z.number(),
  evidence: z.array(StoredEvidence).min(1),
});

const FiringRecord = z.object({
  scope: z.string(),
  due: z.number(),
  armedAt: z.number(),
  detectedAt: z.number(),
  evidence: StoredEvidence,
});

function parseResolution(text: string): DeadlineResolution {
  const record = ResolutionRecord.parse(JSON.parse(text));
  return {
    triggerEventId: record.trigger,
    triggerTimeMs: record.at,
    detectedAtMs: record.detectedAt,
    dueMs: record.due,
    firedAtMs: record.firedAt,
    armedAtMs: record.armedAt,
    evidence: record.evidence.map(toEvidenceRef),
  };
}

const UNCHANGED: DeadlineResult = { kind: 'unchanged' };

function parseArmReply(reply: unknown): DeadlineResult {
  if (reply === undefined) return UNCHANGED;
  const [kind, record] = replyStrings(reply, DEADLINE_ARM_SCRIPT.name);
  switch (kind) {
    case 'armed':
    case 'unchanged':
      return { kind };
    case 'resolved':
    case 'replayed':
      return { kind: 'resolved', resolution: parseResolution(record ?? ''), replayed: kind === 'replayed' };
    default:
      throw new Error(`${DEADLINE_ARM_SCRIPT.name}: unknown reply ${JSON.stringify(reply)}`);
  }
}

/** Arms (or re-arms) one scope's deadline; every call with the same group key goes to Redis as one. */
export function armDeadline(batch: RedisBatch, input: DeadlineArmInput): Promise<DeadlineResult> {
  return batch.group(
    DEADLINE_ARM_SCRIPT,
    input.groupKey,
    [input.keys.due, input.keys.state],
    [input.nowMs],
    [
      input.op === 'arm' ? 'a' : 'i',
      input.scope,
      input.eventId,
      input.eventTimeMs,
      encodePosition(input.position),
      input.dueAtMs,
    ],
    parseArmReply,
  );
}

/** Claims the rule's due deadlines (at most `max`) for `leaseMs`; see `DEADLINE_TICK_LUA`. */
export function claimDueDeadlines(
  batch: RedisBatch,
  input: { keys: DeadlineKeys; nowMs: number; leaseMs: number; max: number },
): Promise<DeadlineFiring[]> {
  return batch.run(
    DEADLINE_TICK_SCRIPT,
    [input.keys.due, input.keys.state],
    [input.nowMs, input.leaseMs, input.max],
    (reply) =>
      replyStrings(reply, DEADLINE_TICK_SCRIPT.name).map((text) => {
        const record = FiringRecord.parse(JSON.parse(text));
        return {
          scope: record.scope,
          dueMs: record.due,
          armedAtMs: record.armedAt,
          detectedAtMs: record.detectedAt,
          evidence: toEvidenceRef(record.evidence),
        };
      }),
  );
}

/** Drops claimed deadlines whose detections are durable; see `DEADLINE_COMMIT_LUA`. */
export function commitDeadlines(
  batch: RedisBatch,
  input: { keys: DeadlineKeys; firings: ReadonlyArray<Pick<DeadlineFiring, 'scope' | 'dueMs'>> },
): Promise<void> {
  return batch.run(
    DEADLINE_COMMIT_SCRIPT,
    [input.keys.due, input.keys.state],
    input.firings.flatMap((firing) => [firing.scope, firing.dueMs]),
    () => undefined,
  );
}
