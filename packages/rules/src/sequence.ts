import type { EvidenceRef } from '@vigil/schema';
import { z } from 'zod';
import { StoredEvidence, encodePosition, toEvidenceRef, type StreamPosition } from './evidence';
import { replyStrings, type LuaScript, type RedisBatch } from './redis-batch';
import { SEQUENCE_LUA } from './sequence.lua';
import type { SequenceSubjects } from './sequence-subjects';

export const SEQUENCE_SCRIPT: LuaScript = { name: 'vigilSequence', numberOfKeys: 1, lua: SEQUENCE_LUA };

export function sequenceKey(keyPrefix: string, ruleId: string): string {
  return `${keyPrefix}rules:{${ruleId}|sequence}:state`;
}

export interface SequenceInput {
  key: string;
  /** Groups the batch's calls for this rule into one script call. */
  groupKey: string;
  op: 'begin' | 'end' | 'observe';
  subject: string;
  eventId: string;
  eventTimeMs: number;
  position: StreamPosition;
  nowMs: number;
  /** This detector's index of the rule's subjects: observations of subjects outside it are not sent. */
  subjects?: SequenceSubjects;
}

/** An observation that completed the sequence: what the rule builds its detection from. */
export interface SequenceMatch {
  triggerEventId: string;
  triggerTimeMs: number;
  /** Event time of the begin that opened the episode. */
  begunAtMs: number;
  detectedAtMs: number;
  /** The begin event, then the observation. */
  evidence: EvidenceRef[];
}

export type SequenceResult =
  { kind: 'begun' | 'ended' | 'none' } | { kind: 'fired'; match: SequenceMatch; replayed: boolean };

const MatchRecord = z.object({
  trigger: z.string(),
  at: z.number(),
  detectedAt: z.number(),
  begunAt: z.number(),
  evidence: z.array(StoredEvidence).min(1),
});

const NONE: SequenceResult = { kind: 'none' };

function parseReply(reply: unknown): SequenceResult {
  if (reply === undefined) return NONE;
  const [kind, text] = replyStrings(reply, SEQUENCE_SCRIPT.name);
  switch (kind) {
    case 'begun':
    case 'ended':
    case 'none':
      return { kind };
    case 'fired':
    case 'replayed': {
      const record = MatchRecord.parse(JSON.parse(text ?? ''));
      return {
        kind: 'fired',
        replayed: kind === 'replayed',
        match: {
          triggerEventId: record.trigger,
          triggerTimeMs: record.at,
          begunAtMs: record.begunAt,
          detectedAtMs: record.detectedAt,
          evidence: record.evidence.map(toEvidenceRef),
        },
      };
    }
    default:
      throw new Error(`${SEQUENCE_SCRIPT.name}: unknown reply ${JSON.stringify(reply)}`);
  }
}

/**
 * One item of a sequence call. Its wire form (`toJSON`, the array the script reads) is made only when
 * the call is sent, so an observation the detector's index leaves out costs no encoding.
 */
export class SequenceItem {
  constructor(
    readonly op: 'b' | 'e' | 'o',
    readonly subject: string,
    private readonly eventId: string,
    private readonly eventTimeMs: number,
    private readonly position: StreamPosition,
  ) {}

  toJSON(): [string, string, string, number, string] {
    return [this.op, this.subject, this.eventId, this.eventTimeMs, encodePosition(this.position)];
  }
}

/** One step of a subject's sequence; every call with the same group key goes to Redis as one. */
export function sequenceStep(batch: RedisBatch, input: SequenceInput): Promise<SequenceResult> {
  const op = input.op === 'begin' ? 'b' : input.op === 'end' ? 'e' : 'o';
  return batch.group(
    SEQUENCE_SCRIPT,
    input.groupKey,
    [input.key],
    [input.nowMs],
    new SequenceItem(op, input.subject, input.eventId, input.eventTimeMs, input.position),
    parseReply,
    input.subjects,
  );
}
