import type { EvidenceRef } from '@vigil/schema';
import { z } from 'zod';
import { ALERT_GROUP_LUA } from './alert-group.lua';
import { StoredEvidence, encodePosition, toEvidenceRef, type StreamPosition } from './evidence';
import { replyStrings, type LuaScript, type RedisBatch } from './redis-batch';
import type { ScopeKeys } from './state-keys';

export const ALERT_GROUP_SCRIPT: LuaScript = {
  name: 'vigilAlertGroup',
  numberOfKeys: 2,
  lua: ALERT_GROUP_LUA,
};

export interface AlertGroupInput {
  keys: ScopeKeys;
  eventId: string;
  /** startsAt while the alert fires, endsAt once it is resolved. */
  eventTimeMs: number;
  position: StreamPosition;
  firing: boolean;
  fingerprint: string;
  startsAtMs: number;
  /** This alert takes the service down on its own (e.g. a critical one). */
  tripsAlone: boolean;
  /** Firing alerts of the group that take the service down. */
  alertsToTrip: number;
  /** Wall-clock reading recorded as the detection time of a transition. */
  nowMs: number;
  stateTtlMs: number;
  replayTtlMs: number;
}

/** A change of the group's state; stored in Redis so a redelivery rebuilds the same detections. */
export interface AlertGroupTransition {
  to: 'down' | 'up';
  triggerEventId: string;
  /** Down: the triggering alert's time. Up: the end of the outage (the last alert's endsAt). */
  triggerTimeMs: number;
  /** When the outage began: the earliest startsAt of the alerts that took the service down. */
  sinceMs: number;
  detectedAtMs: number;
  /** Down: alerts firing at that moment. */
  firing: number;
  evidence: EvidenceRef[];
}

export type AlertGroupResult =
  | { kind: 'unchanged'; status: 'up' | 'down' }
  | { kind: 'transitions'; transitions: AlertGroupTransition[]; replayed: boolean };

const TransitionRecord = z.object({
  to: z.enum(['down', 'up']),
  trigger: z.string(),
  at: z.number(),
  since: z.number(),
  detectedAt: z.number(),
  firing: z.number().int(),
  evidence: z.array(StoredEvidence).min(1),
});
const Records = z.array(TransitionRecord).min(1);

function parseRecords(text: string): AlertGroupTransition[] {
  return Records.parse(JSON.parse(text)).map((r) => ({
    to: r.to,
    triggerEventId: r.trigger,
    triggerTimeMs: r.at,
    sinceMs: r.since,
    detectedAtMs: r.detectedAt,
    firing: r.firing,
    evidence: r.evidence.map(toEvidenceRef),
  }));
}

function parseReply(reply: unknown): AlertGroupResult {
  const [kind, first] = replyStrings(reply, ALERT_GROUP_SCRIPT.name);
  switch (kind) {
    case 'unchanged':
      return { kind, status: first === 'down' ? 'down' : 'up' };
    case 'transitions':
    case 'replayed':
      return { kind: 'transitions', transitions: parseRecords(first ?? ''), replayed: kind === 'replayed' };
    default:
      throw new Error(`${ALERT_GROUP_SCRIPT.name}: unknown reply ${JSON.stringify(reply)}`);
  }
}

/**
 * Records one alert event of a service's group and moves the service's state: down while enough of its
 * alerts fire (from the earliest startsAt), up when all have resolved (at the last endsAt).
 */
export function alertGroup(batch: RedisBatch, input: AlertGroupInput): Promise<AlertGroupResult> {
  return batch.run(
    ALERT_GROUP_SCRIPT,
    [`${input.keys.base}:alerts`, input.keys.replayRecord(input.eventId)],
    [
      input.eventId,
      input.eventTimeMs,
      encodePosition(input.position),
      input.firing ? '1' : '0',
      input.fingerprint,
      input.startsAtMs,
      input.tripsAlone ? '1' : '0',
      input.alertsToTrip,
      input.nowMs,
      input.stateTtlMs,
      input.replayTtlMs,
    ],
    parseReply,
  );
}
