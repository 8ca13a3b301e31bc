import { errorMessage, type Clock } from '@vigil/runtime';
import { EVENT_KINDS, type Detection, type EventKind, type VigilEvent } from '@vigil/schema';
import { withSpan, type Logger } from '@vigil/telemetry';
import type { Redis } from 'ioredis';
import { ALERT_GROUP_SCRIPT } from './alert-group';
import { BURN_RATE_SCRIPT } from './burn-rate';
import { coalesceContinuations } from './burst-detections';
import { BurstMarkers, releaseBurstMarkers, splitMarkers } from './burst-markers';
import { CONSECUTIVE_STATE_SCRIPT } from './consecutive-state';
import { COUNT_IN_WINDOW_SCRIPT } from './count-in-window';
import { DEADLINE_SCRIPTS, claimDueDeadlines, commitDeadlines, deadlineKeys } from './deadline';
import { DISTINCT_COUNT_SCRIPT } from './distinct-count';
import { formatDuration } from './duration';
import {
  EventContext,
  ruleKeysFor,
  type BatchEnv,
  type BatchMessage,
  type ContextSettings,
} from './event-context';
import type { StreamPosition } from './evidence';
import { PartitionWindows } from './local-state/partition-windows';
import { RedisBatch } from './redis-batch';
import type { Rule, RuleVerdict } from './rule';
import { SEQUENCE_SCRIPT } from './sequence';
import { checkKeyPrefix } from './state-keys';

export type { BatchMessage } from './event-context';

const HOUR = 3_600_000;
/** Every script the detector runs; defined on the client before a batch's pipeline is made. */
export const DETECTOR_SCRIPTS = [
  COUNT_IN_WINDOW_SCRIPT,
  CONSECUTIVE_STATE_SCRIPT,
  ALERT_GROUP_SCRIPT,
  DISTINCT_COUNT_SCRIPT,
  BURN_RATE_SCRIPT,
  SEQUENCE_SCRIPT,
  ...DEADLINE_SCRIPTS,
];

export interface DetectorOptions {
  redis: Redis;
  /** Prefixes every Redis key, so tests and tenants can share one Redis. Must not contain braces. */
  keyPrefix: string;
  rules: readonly Rule[];
  clock: Clock;
  logger: Logger;
  /**
   * How long (wall clock) an entity's state outlives its window without events. Generous, because a
   * consumer that was down works through a backlog whose event-time windows span its downtime.
   */
  idleStateRetentionMs?: number;
  /** How long (wall clock) the record of a transition stays, so a redelivered batch repeats its detection. */
  replayRetentionMs?: number;
  /** Events stamped further ahead of the clock than this are not counted: they would push windows forward. */
  maxClockSkewMs?: number;
  /**
   * How long a deadline firing returned by `tick` stays claimed (wall clock) before another tick may
   * fire it again (with the same detection id) because its `commit` never came. Default 60 s.
   */
  timerLeaseMs?: number;
  /** At most this many deadline firings per rule per tick; the rest fire on the next tick. Default 500. */
  maxFiringsPerTick?: number;
  /**
   * Keeps the windows that rules count per event entity (count in window without a scope of its own) in
   * this process, each durable as one Redis hash written once a batch (`PartitionWindows`), rather than
   * one script call per event. The entity is the event's Kafka key, so its scope lives in one partition.
   */
  localWindows?: boolean;
}

/** An event one or more rules did not count, and why; the service sends it to the late topic. */
export interface LateEvent {
  event: VigilEvent;
  position: StreamPosition;
  reason: string;
  rules: Array<{ ruleId: string; reason: string }>;
}

export interface BatchResult {
  /**
   * In stream order, each id once. A batch redelivered before `release` yields the same detections
   * with the same ids; after it, a burst's later events are duplicates and yield no continuation again
   * (the first one is durable by then), while a crossing still repeats its detection.
   */
  detections: Detection[];
  late: LateEvent[];
  /** The Redis keys of the replay markers of the batch's burst continuations; see `Detector.release`. */
  markers: string[];
}

/** What one tick fired. */
export interface TickResult {
  /** Deadline firings (and only those), each id deterministic: a retried firing repeats it exactly. */
  detections: Detection[];
  /**
   * Call once `detections` are durable (published). Until then the firings stay claimed for
   * `timerLeaseMs`; if `commit` never comes (a crash), a later tick fires them again, same ids.
   */
  commit(): Promise<void>;
}

export interface Detector {
  /**
   * Runs every rule over one batch in one Redis round trip. Rejects (with a `RetryableError` when
   * Redis failed) without partial results: the caller must not commit the batch, and redelivering it
   * is safe.
   */
  processBatch(messages: readonly BatchMessage[]): Promise<BatchResult>;
  /**
   * Fires the deadlines (absence timers) that are due by the clock, in one Redis round trip. Atomic
   * across processes: detectors ticking at once each get a disjoint share of the due deadlines.
   * Publish the detections, then `commit()`. Rejects (a `RetryableError` when Redis failed) with
   * nothing claimed that a later tick would not fire again.
   */
  tick(): Promise<TickResult>;
  /**
   * Drops a batch's burst markers (`BatchResult.markers`). Call once its detections are durable
   * (published), never before: until then a redelivery needs them to repeat its continuations. A release
   * that fails or never comes costs memory until the state expires, nothing else.
   */
  release(markers: readonly string[]): Promise<void>;
}

interface Evaluation {
  messageIndex: number;
  rule: Rule;
  verdict: Promise<RuleVerdict>;
}

export function createDetector(options: DetectorOptions): Detector {
  checkKeyPrefix(options.keyPrefix);
  const { redis, keyPrefix, rules, clock } = options;
  const logger = options.logger.child({ component: 'detector' });
  const idleStateRetentionMs = options.idleStateRetentionMs ?? 6 * HOUR;
  const replayRetentionMs = options.replayRetentionMs ?? 7 * 24 * HOUR;
  const maxClockSkewMs = options.maxClockSkewMs ?? 5 * 60_000;
  const timerLeaseMs = options.timerLeaseMs ?? 60_000;
  const maxFiringsPerTick = options.maxFiringsPerTick ?? 500;
  const timerRules = rules.filter((rule) => rule.onDeadline !== undefined);
  const local = options.localWindows ? new PartitionWindows(redis, { clock }) : undefined;
  const settings: ContextSettings = {
    keyPrefix,
    idleStateRetentionMs,
    replayRetentionMs,
    ruleKeys: new Map(rules.map((rule) => [rule.id, ruleKeysFor(keyPrefix, rule.id)])),
  };

  // Each event meets only the rules that can match its kind.
  const rulesByKind = new Map<EventKind, Rule[]>(
    EVENT_KINDS.map((kind) => [kind, rules.filter((rule) => !rule.kinds || rule.kinds.includes(kind))]),
  );

  async function run(messages: readonly BatchMessage[]): Promise<BatchResult> {
    const nowMs = clock.now();
    const batch = new RedisBatch(redis, DETECTOR_SCRIPTS);
    const env: BatchEnv = {
      batch,
      nowMs,
      settings,
      armedUpTo: new Map(),
      armTouched: new Set(),
      markers: new BurstMarkers(),
      ...(local ? { local: { windows: local, keys: new Set<string>() } } : {}),
    };
    const lateRules = new Map<number, LateEvent['rules']>();
    const futureReasons = new Map<number, string>();
    const evaluations: Evaluation[] = [];
    const verdicts: Array<Promise<RuleVerdict>> = [];

    messages.forEach((message, messageIndex) => {
      const eventTimeMs = Date.parse(message.event.time);
      const aheadMs = eventTimeMs - nowMs;
      if (aheadMs > maxClockSkewMs) {
        futureReasons.set(
          messageIndex,
          `event time ${message.event.time} is ${formatDuration(aheadMs)} ahead of the detector's clock ` +
            `(${new Date(nowMs).toISOString()}); at most ${formatDuration(maxClockSkewMs)} is accepted`,
        );
        return;
      }
      for (const rule of rulesByKind.get(message.event.kind) ?? []) {
        if (!rule.match(message.event, rule.params)) continue;
        // Started now, in stream order: each evaluation queues its Redis calls before its first await.
        let verdict: Promise<RuleVerdict>;
        try {
          verdict = rule.evaluate(message.event, new EventContext(rule, message, eventTimeMs, env));
        } catch (error) {
          verdict = Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
        evaluations.push({ messageIndex, rule, verdict });
        verdicts.push(verdict);
      }
    });

    // Settled is attached before the flush, so a failed flush leaves no unhandled rejection behind.
    const settled = Promise.allSettled(verdicts);
    await batch.flush().catch(() => undefined);
    const outcomes = await settled;

    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    // In-process windows are durable before the batch's detections go out.
    if (env.local) await env.local.windows.flush(env.local.keys);

    const detections = new Map<string, Detection>();
    for (const [i, outcome] of outcomes.entries()) {
      const evaluation = evaluations[i];
      if (outcome.status !== 'fulfilled' || !evaluation) continue;
      const { messageIndex, rule } = evaluation;
      const verdict = outcome.value;
      for (const detection of verdict.detections) detections.set(detection.id, detection);
      if (verdict.late !== undefined) {
        const list = lateRules.get(messageIndex) ?? [];
        list.push({ ruleId: rule.id, reason: verdict.late });
        lateRules.set(messageIndex, list);
      }
    }

    const late: LateEvent[] = [];
    messages.forEach((message, index) => {
      const future = futureReasons.get(index);
      const ruleReasons = lateRules.get(index);
      if (future !== undefined) late.push({ ...message, reason: future, rules: [] });
      else if (ruleReasons) {
        late.push({
          ...message,
          reason: ruleReasons.map((r) => `${r.ruleId}: ${r.reason}`).join('; '),
          rules: ruleReasons,
        });
      }
    });

    const out = coalesceContinuations([...detections.values()]);
    for (const detection of out) {
      const fields = {
        detectionId: detection.id,
        ruleId: detection.ruleId,
        status: detection.status,
        dedupKey: detection.dedupKey,
      };
      // A burst's later events are many and change no one's page: not worth an info line each.
      if (detection.burst?.continuation)
        logger.debug({ ...fields, burstEvents: detection.burst.events }, 'detection');
      else logger.info(fields, 'detection');
    }
    for (const entry of late)
      logger.warn({ eventId: entry.event.id, reason: entry.reason }, 'event not counted');
    return { detections: out, late, markers: env.markers.list() };
  }

  async function runTick(): Promise<TickResult> {
    const nowMs = clock.now();
    const batch = new RedisBatch(redis, DETECTOR_SCRIPTS);
    const claims = timerRules.map((rule) =>
      claimDueDeadlines(batch, {
        keys: deadlineKeys(keyPrefix, rule.id),
        nowMs,
        leaseMs: timerLeaseMs,
        max: maxFiringsPerTick,
      }).then((firings) => ({ rule, firings })),
    );
    const settled = Promise.all(claims);
    void settled.catch(() => undefined);
    await batch.flush().catch(() => undefined);
    const claimed = await settled;

    const detections = new Map<string, Detection>();
    for (const { rule, firings } of claimed) {
      for (const firing of firings) {
        const detection = rule.onDeadline?.(firing, rule);
        if (detection) detections.set(detection.id, detection);
      }
    }
    for (const detection of detections.values()) {
      logger.info(
        { detectionId: detection.id, ruleId: detection.ruleId, dedupKey: detection.dedupKey },
        'deadline fired',
      );
    }
    let committed = false;
    const commit = async (): Promise<void> => {
      if (committed) return;
      const commits = new RedisBatch(redis, DETECTOR_SCRIPTS);
      const done: Array<Promise<void>> = [];
      for (const { rule, firings } of claimed) {
        if (firings.length === 0) continue;
        done.push(commitDeadlines(commits, { keys: deadlineKeys(keyPrefix, rule.id), firings }));
      }
      const all = Promise.all(done);
      void all.catch(() => undefined);
      await commits.flush().catch(() => undefined);
      await all;
      committed = true;
    };
    return { detections: [...detections.values()], commit };
  }

  return {
    release(markers) {
      const { keys, local: inProcess } = splitMarkers(markers);
      for (const [scopeKey, eventId] of inProcess) local?.dropReplay(scopeKey, eventId);
      return releaseBurstMarkers(redis, keys);
    },
    tick() {
      if (timerRules.length === 0)
        return Promise.resolve({ detections: [], commit: () => Promise.resolve() });
      return withSpan('detector.tick', {}, async (span) => {
        try {
          const result = await runTick();
          span.setAttributes({ 'vigil.detections': result.detections.length });
          return result;
        } catch (error) {
          logger.error({ err: error }, `tick failed: ${errorMessage(error)}`);
          throw error;
        }
      });
    },
    processBatch(messages) {
      if (messages.length === 0) return Promise.resolve({ detections: [], late: [], markers: [] });
      return withSpan('detector.process_batch', { 'vigil.batch.size': messages.length }, async (span) => {
        try {
          const result = await run(messages);
          span.setAttributes({
            'vigil.detections': result.detections.length,
            'vigil.late_events': result.late.length,
          });
          return result;
        } catch (error) {
          logger.error({ err: error, size: messages.length }, `batch failed: ${errorMessage(error)}`);
          throw error;
        }
      });
    },
  };
}
