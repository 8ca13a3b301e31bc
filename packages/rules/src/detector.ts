import { errorMessage, type Clock } from '@vigil/runtime';
import { entityKey, type Detection, type VigilEvent } from '@vigil/schema';
import { withSpan, type Logger } from '@vigil/telemetry';
import type { Redis } from 'ioredis';
import { CONSECUTIVE_STATE_SCRIPT, consecutiveState } from './consecutive-state';
import { COUNT_IN_WINDOW_SCRIPT, countInWindow } from './count-in-window';
import { formatDuration } from './duration';
import type { StreamPosition } from './evidence';
import { RedisBatch } from './redis-batch';
import type { Rule, RuleContext, RuleVerdict } from './rule';
import { checkKeyPrefix, scopeKeys } from './state-keys';

const HOUR = 3_600_000;
const SCRIPTS = [COUNT_IN_WINDOW_SCRIPT, CONSECUTIVE_STATE_SCRIPT];

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
}

export interface BatchMessage {
  event: VigilEvent;
  position: StreamPosition;
}

/** An event one or more rules did not count, and why; the service sends it to the late topic. */
export interface LateEvent {
  event: VigilEvent;
  position: StreamPosition;
  reason: string;
  rules: Array<{ ruleId: string; reason: string }>;
}

export interface BatchResult {
  /** In stream order, each id once. A redelivered batch yields the same detections with the same ids. */
  detections: Detection[];
  late: LateEvent[];
}

export interface Detector {
  /**
   * Runs every rule over one batch in one Redis round trip. Rejects (with a `RetryableError` when
   * Redis failed) without partial results: the caller must not commit the batch, and redelivering it
   * is safe.
   */
  processBatch(messages: readonly BatchMessage[]): Promise<BatchResult>;
}

interface Evaluation {
  messageIndex: number;
  rule: Rule;
  verdict: RuleVerdict;
}

export function createDetector(options: DetectorOptions): Detector {
  checkKeyPrefix(options.keyPrefix);
  const { redis, keyPrefix, rules, clock } = options;
  const logger = options.logger.child({ component: 'detector' });
  const idleStateRetentionMs = options.idleStateRetentionMs ?? 6 * HOUR;
  const replayRetentionMs = options.replayRetentionMs ?? 7 * 24 * HOUR;
  const maxClockSkewMs = options.maxClockSkewMs ?? 5 * 60_000;

  function contextFor(rule: Rule, message: BatchMessage, batch: RedisBatch, nowMs: number): RuleContext {
    const { event, position } = message;
    const eventTimeMs = Date.parse(event.time);
    const keysFor = (scope: string | undefined) =>
      scopeKeys(keyPrefix, rule.id, scope ?? entityKey(event.entity));
    return {
      rule,
      params: rule.params,
      position,
      countInWindow: (spec) =>
        countInWindow(batch, {
          keys: keysFor(spec.scope),
          eventId: event.id,
          eventTimeMs,
          position,
          windowMs: spec.windowMs,
          latenessMs: spec.latenessMs,
          threshold: spec.threshold,
          maxEvidence: spec.maxEvidence,
          nowMs,
          stateTtlMs: spec.windowMs + spec.latenessMs + idleStateRetentionMs,
          replayTtlMs: replayRetentionMs,
        }),
      consecutiveState: (spec) =>
        consecutiveState(batch, {
          keys: keysFor(spec.scope),
          eventId: event.id,
          eventTimeMs,
          position,
          succeeded: spec.succeeded,
          failuresToTrip: spec.failuresToTrip,
          latenessMs: spec.latenessMs,
          nowMs,
          stateTtlMs: spec.latenessMs + idleStateRetentionMs,
          replayTtlMs: replayRetentionMs,
        }),
    };
  }

  async function run(messages: readonly BatchMessage[]): Promise<BatchResult> {
    const nowMs = clock.now();
    const batch = new RedisBatch(redis, SCRIPTS);
    const lateRules = new Map<number, LateEvent['rules']>();
    const futureReasons = new Map<number, string>();
    const pending: Array<Promise<Evaluation>> = [];

    messages.forEach((message, messageIndex) => {
      const aheadMs = Date.parse(message.event.time) - nowMs;
      if (aheadMs > maxClockSkewMs) {
        futureReasons.set(
          messageIndex,
          `event time ${message.event.time} is ${formatDuration(aheadMs)} ahead of the detector's clock ` +
            `(${new Date(nowMs).toISOString()}); at most ${formatDuration(maxClockSkewMs)} is accepted`,
        );
        return;
      }
      for (const rule of rules) {
        if (!rule.match(message.event)) continue;
        // Started now, in stream order: each evaluation queues its Redis calls before its first await.
        let verdict: Promise<RuleVerdict>;
        try {
          verdict = rule.evaluate(message.event, contextFor(rule, message, batch, nowMs));
        } catch (error) {
          verdict = Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
        pending.push(verdict.then((v) => ({ messageIndex, rule, verdict: v })));
      }
    });

    // Settled is attached before the flush, so a failed flush leaves no unhandled rejection behind.
    const settled = Promise.allSettled(pending);
    await batch.flush().catch(() => undefined);
    const outcomes = await settled;

    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;

    const detections = new Map<string, Detection>();
    for (const outcome of outcomes) {
      if (outcome.status !== 'fulfilled') continue;
      const { messageIndex, rule, verdict } = outcome.value;
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

    for (const detection of detections.values()) {
      logger.info(
        {
          detectionId: detection.id,
          ruleId: detection.ruleId,
          status: detection.status,
          dedupKey: detection.dedupKey,
        },
        'detection',
      );
    }
    for (const entry of late)
      logger.warn({ eventId: entry.event.id, reason: entry.reason }, 'event not counted');
    return { detections: [...detections.values()], late };
  }

  return {
    processBatch(messages) {
      if (messages.length === 0) return Promise.resolve({ detections: [], late: [] });
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
