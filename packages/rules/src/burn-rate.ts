import type { EvidenceRef } from '@vigil/schema';
import { z } from 'zod';
import { BURN_RATE_LUA } from './burn-rate.lua';
import { StoredEvidence, encodePosition, toEvidenceRef, type StreamPosition } from './evidence';
import { replyStrings, type LuaScript, type RedisBatch } from './redis-batch';
import type { ScopeKeys } from './state-keys';

export const BURN_RATE_SCRIPT: LuaScript = { name: 'vigilBurnRate', numberOfKeys: 3, lua: BURN_RATE_LUA };

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Windows up to this long are counted in minute buckets; longer ones in hour buckets. */
export const FINE_WINDOW_LIMIT_MS = 6 * HOUR;

export type BurnLevel = 'ticket' | 'page';
const LEVEL_NUMBER: Record<BurnLevel, number> = { ticket: 1, page: 2 };
const LEVEL_NAME = ['none', 'ticket', 'page'] as const;

/** A window of the burn-rate state, and the bucket it is counted in. */
export interface BurnRateWindow {
  ms: number;
  bucketMs: number;
}

/** Fires when the bad ratio in both windows reaches `burnRate` x the error budget. */
export interface BurnCondition {
  longMs: number;
  shortMs: number;
  burnRate: number;
  level: BurnLevel;
}

/** The bucket a window is counted in; throws for a window that is not a whole number of them. */
export function burnRateWindow(ms: number): BurnRateWindow {
  const bucketMs = ms <= FINE_WINDOW_LIMIT_MS ? MINUTE : HOUR;
  if (!Number.isInteger(ms) || ms <= 0 || ms % bucketMs !== 0) {
    throw new Error(
      `burn-rate window ${ms}ms must be a whole number of ${bucketMs === MINUTE ? 'minutes' : 'hours (above 6h)'}`,
    );
  }
  return { ms, bucketMs };
}

/** The distinct windows of the conditions, in first-use order: what the state keeps sums for. */
export function burnRateWindows(conditions: readonly BurnCondition[]): BurnRateWindow[] {
  const windows: number[] = [];
  for (const c of conditions)
    for (const ms of [c.longMs, c.shortMs]) if (!windows.includes(ms)) windows.push(ms);
  return windows.map(burnRateWindow);
}

export interface BurnRateInput {
  keys: ScopeKeys;
  eventId: string;
  eventTimeMs: number;
  position: StreamPosition;
  good: boolean;
  /** Allowed error ratio, `1 - target`. */
  budget: number;
  conditions: readonly BurnCondition[];
  /** A condition needs at least this many events in its long window (low-traffic guard). */
  minEvents: number;
  latenessMs: number;
  /** Bad events kept as evidence. */
  maxEvidence: number;
  nowMs: number;
  stateTtlMs: number;
  replayTtlMs: number;
}

export interface BurnTransition {
  to: 'firing' | 'resolved';
  /** The level now: the condition that fired, or `none` when resolved. */
  level: BurnLevel | 'none';
  previous: BurnLevel | 'none';
  triggerEventId: string;
  triggerTimeMs: number;
  detectedAtMs: number;
  /** Event time at which the episode began. */
  sinceMs: number;
  /** Firing only: the condition's windows and figures. */
  condition?: {
    longMs: number;
    shortMs: number;
    burnRate: number;
    longEvents: number;
    longBad: number;
    shortEvents: number;
    shortBad: number;
    /** Observed burn rates: bad ratio / budget. */
    longBurn: number;
    shortBurn: number;
  };
  evidence: EvidenceRef[];
}

export type BurnRateResult =
  | { kind: 'unchanged'; level: BurnLevel | 'none' }
  | { kind: 'transition'; transition: BurnTransition; replayed: boolean }
  | { kind: 'duplicate' }
  | { kind: 'late'; newestMs: number };

const Level = z.number().int().min(0).max(2);
const TransitionRecord = z.object({
  to: z.enum(['firing', 'resolved']),
  level: Level,
  previous: Level,
  trigger: z.string(),
  at: z.number(),
  detectedAt: z.number(),
  since: z.number(),
  longMs: z.number().optional(),
  shortMs: z.number().optional(),
  factor: z.number().optional(),
  budget: z.number().optional(),
  longEvents: z.number().optional(),
  longBad: z.number().optional(),
  shortEvents: z.number().optional(),
  shortBad: z.number().optional(),
  evidence: z.array(StoredEvidence).min(1),
});

const round = (x: number) => Math.round(x * 100) / 100;

function parseTransition(text: string): BurnTransition {
  const r = TransitionRecord.parse(JSON.parse(text));
  const transition: BurnTransition = {
    to: r.to,
    level: LEVEL_NAME[r.level] ?? 'none',
    previous: LEVEL_NAME[r.previous] ?? 'none',
    triggerEventId: r.trigger,
    triggerTimeMs: r.at,
    detectedAtMs: r.detectedAt,
    sinceMs: r.since,
    evidence: r.evidence.map(toEvidenceRef),
  };
  if (r.to === 'firing' && r.longMs !== undefined && r.shortMs !== undefined) {
    const budget = r.budget ?? 1;
    const longEvents = r.longEvents ?? 0;
    const shortEvents = r.shortEvents ?? 0;
    const longBad = r.longBad ?? 0;
    const shortBad = r.shortBad ?? 0;
    transition.condition = {
      longMs: r.longMs,
      shortMs: r.shortMs,
      burnRate: r.factor ?? 0,
      longEvents,
      longBad,
      shortEvents,
      shortBad,
      longBurn: longEvents > 0 ? round(longBad / longEvents / budget) : 0,
      shortBurn: shortEvents > 0 ? round(shortBad / shortEvents / budget) : 0,
    };
  }
  return transition;
}

function parseReply(reply: unknown): BurnRateResult {
  const [kind, first] = replyStrings(reply, BURN_RATE_SCRIPT.name);
  switch (kind) {
    case 'unchanged':
      return { kind, level: LEVEL_NAME[Number(first)] ?? 'none' };
    case 'transition':
    case 'replayed':
      return { kind: 'transition', transition: parseTransition(first ?? ''), replayed: kind === 'replayed' };
    case 'duplicate':
      return { kind };
    case 'late':
      return { kind, newestMs: Number(first) };
    default:
      throw new Error(`${BURN_RATE_SCRIPT.name}: unknown reply ${JSON.stringify(reply)}`);
  }
}

/** Counts one good or bad event and moves the scope's alert level; see `BURN_RATE_LUA`. */
export function burnRate(batch: RedisBatch, input: BurnRateInput): Promise<BurnRateResult> {
  const windows = burnRateWindows(input.conditions);
  const index = (ms: number) => windows.findIndex((w) => w.ms === ms) + 1;
  const { base } = input.keys;
  return batch.run(
    BURN_RATE_SCRIPT,
    [`${base}:seen`, `${base}:data`, input.keys.replayRecord(input.eventId)],
    [
      input.eventId,
      input.eventTimeMs,
      encodePosition(input.position),
      input.good ? '1' : '0',
      input.latenessMs,
      input.budget,
      input.minEvents,
      input.nowMs,
      input.stateTtlMs,
      input.replayTtlMs,
      input.maxEvidence,
      windows.length,
      ...windows.flatMap((w) => [w.ms, w.bucketMs]),
      input.conditions.length,
      ...input.conditions.flatMap((c) => [
        index(c.longMs),
        index(c.shortMs),
        c.burnRate,
        LEVEL_NUMBER[c.level],
      ]),
    ],
    parseReply,
  );
}

/** Changes to the windows start a fresh state: the running sums belong to one set of windows. */
export function burnRateSignature(conditions: readonly BurnCondition[]): string {
  return burnRateWindows(conditions)
    .map((w) => w.ms / MINUTE)
    .join(',');
}
