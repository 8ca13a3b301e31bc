import { entityKey, type VigilEvent } from '@vigil/schema';
import { alertGroup } from './alert-group';
import { burnRate, burnRateSignature } from './burn-rate';
import { consecutiveState } from './consecutive-state';
import { countInWindow, parseCountInWindowReply } from './count-in-window';
import { localMarker, type BurstMarkers } from './burst-markers';
import { armDeadline, deadlineKeys, type DeadlineKeys, type DeadlineResult } from './deadline';
import { distinctCount } from './distinct-count';
import { encodePosition, observedOf, type StreamPosition } from './evidence';
import type { PartitionWindows } from './local-state/partition-windows';
import type { RedisBatch } from './redis-batch';
import type { Rule, RuleContext } from './rule';
import { sequenceKey, sequenceStep } from './sequence';
import { SequenceSubjects } from './sequence-subjects';
import { scopeKeys, type ScopeKeys } from './state-keys';
import { COUNTED_IDS_KEPT } from './window-reply';

const ALERT_STATE_RETENTION_MS = 30 * 24 * 3_600_000;

export interface BatchMessage {
  event: VigilEvent;
  position: StreamPosition;
}

export interface ContextSettings {
  keyPrefix: string;
  idleStateRetentionMs: number;
  replayRetentionMs: number;
  /** Per rule id: the keys of its batch-wide primitives, made once. */
  ruleKeys: Map<string, RuleKeys>;
}

export interface RuleKeys {
  deadlines: DeadlineKeys;
  deadlineGroup: string;
  sequence: string;
  sequenceGroup: string;
  /** The detector's index of the rule's sequence subjects; lives as long as the detector. */
  sequenceSubjects: SequenceSubjects;
}

export function ruleKeysFor(keyPrefix: string, ruleId: string): RuleKeys {
  return {
    deadlines: deadlineKeys(keyPrefix, ruleId),
    deadlineGroup: `deadline|${ruleId}`,
    sequence: sequenceKey(keyPrefix, ruleId),
    sequenceGroup: `sequence|${ruleId}`,
    sequenceSubjects: new SequenceSubjects(),
  };
}

/** What the contexts of one batch share. */
export interface BatchEnv {
  batch: RedisBatch;
  nowMs: number;
  settings: ContextSettings;
  /**
   * Per rule and scope, the newest event time armed so far in this batch. An `arm` no newer than an
   * earlier one of the same batch cannot change the deadline, nor resolve it (the earlier one, ahead
   * of it in every delivery, would have), so it never goes to Redis.
   */
  armedUpTo: Map<string, number>;
  /** Rule and scope pairs this batch already asked to arm, for `arm-if-absent`. */
  armTouched: Set<string>;
  /** The replay markers of the batch's burst continuations, released once its detections are durable. */
  markers: BurstMarkers;
  /** When the detector keeps entity-scoped windows in process: where they are, and the batch's scopes there. */
  local?: { windows: PartitionWindows; keys: Set<string> };
}

/** A scope held in process: its replay records are markers `splitMarkers` tells apart from Redis keys. */
function inProcess(scopeKey: string): Pick<ScopeKeys, 'replayRecord'> {
  return { replayRecord: (eventId) => localMarker(scopeKey, eventId) };
}

const UNCHANGED_DEADLINE: Promise<DeadlineResult> = Promise.resolve({ kind: 'unchanged' });

/**
 * What a rule gets for one event. A class rather than an object of closures: one is made for every
 * rule that matches every event, so it must cost next to nothing.
 */
export class EventContext implements RuleContext {
  private readonly batch: RedisBatch;
  private readonly nowMs: number;
  private readonly settings: ContextSettings;

  constructor(
    readonly rule: Rule,
    private readonly message: BatchMessage,
    readonly eventTimeMs: number,
    private readonly env: BatchEnv,
  ) {
    this.batch = env.batch;
    this.nowMs = env.nowMs;
    this.settings = env.settings;
  }

  get params(): unknown {
    return this.rule.params;
  }

  get position(): StreamPosition {
    return this.message.position;
  }

  private ruleKeys(): RuleKeys {
    const id = this.rule.id;
    let keys = this.settings.ruleKeys.get(id);
    if (!keys) this.settings.ruleKeys.set(id, (keys = ruleKeysFor(this.settings.keyPrefix, id)));
    return keys;
  }

  /** What every state primitive is told about the event in hand. */
  private eventFacts() {
    return {
      eventId: this.message.event.id,
      eventTimeMs: this.eventTimeMs,
      position: this.message.position,
      nowMs: this.nowMs,
    };
  }

  /** `eventFacts` plus how long a transition's record is kept, for the windowed primitives. */
  private stateFacts() {
    return { ...this.eventFacts(), replayTtlMs: this.settings.replayRetentionMs };
  }

  private keysFor(scope: string | undefined) {
    return scopeKeys(this.settings.keyPrefix, this.rule.id, scope ?? entityKey(this.message.event.entity));
  }

  countInWindow(spec: Parameters<RuleContext['countInWindow']>[0]) {
    const keys = this.keysFor(spec.scope);
    const stateTtlMs = spec.windowMs + spec.latenessMs + this.settings.idleStateRetentionMs;
    const { windowMs, latenessMs, threshold, maxEvidence } = spec;
    const window = { windowMs, latenessMs, threshold, maxEvidence };
    const local = this.env.local;
    // The event's own entity is its Kafka key: its scope lives in the partition this detector reads.
    if (local && spec.scope === undefined) {
      const key = `${keys.base}:local`;
      local.keys.add(key);
      return local.windows
        .countInWindow(
          key,
          {
            ...this.eventFacts(),
            position: encodePosition(this.message.position, observedOf(this.message.event)),
            ...window,
            countedKept: COUNTED_IDS_KEPT,
          },
          { stateMs: stateTtlMs, replayMs: this.settings.replayRetentionMs },
        )
        .then((wire) =>
          this.env.markers.note(parseCountInWindowReply(wire), inProcess(key), this.message.event.id),
        );
    }
    return countInWindow(this.batch, {
      keys,
      ...this.stateFacts(),
      observed: observedOf(this.message.event),
      ...window,
      stateTtlMs,
    }).then((reply) => this.env.markers.note(reply, keys, this.message.event.id));
  }

  consecutiveState(spec: Parameters<RuleContext['consecutiveState']>[0]) {
    return consecutiveState(this.batch, {
      keys: this.keysFor(spec.scope),
      ...this.stateFacts(),
      succeeded: spec.succeeded,
      failuresToTrip: spec.failuresToTrip,
      latenessMs: spec.latenessMs,
      stateTtlMs: spec.latenessMs + Math.max(this.settings.idleStateRetentionMs, spec.retainMs ?? 0),
      region: spec.region,
      regionsToTrip: spec.regionsToTrip,
      regionWindowMs: spec.regionWindowMs,
      commitment: spec.commitment,
    });
  }

  alertGroup(spec: Parameters<RuleContext['alertGroup']>[0]) {
    return alertGroup(this.batch, {
      keys: this.keysFor(spec.scope),
      ...this.stateFacts(),
      firing: spec.firing,
      fingerprint: spec.fingerprint,
      startsAtMs: spec.startsAtMs,
      tripsAlone: spec.tripsAlone,
      alertsToTrip: spec.alertsToTrip,
      // An alert fires for as long as the outage lasts, repeated (same id) or not at all in between.
      stateTtlMs: Math.max(this.settings.idleStateRetentionMs, ALERT_STATE_RETENTION_MS),
    });
  }

  distinctCount(spec: Parameters<RuleContext['distinctCount']>[0]) {
    const keys = this.keysFor(spec.scope);
    return distinctCount(this.batch, {
      keys,
      ...this.stateFacts(),
      observed: observedOf(this.message.event),
      value: spec.value,
      windowMs: spec.windowMs,
      latenessMs: spec.latenessMs,
      threshold: spec.threshold,
      maxEvidence: spec.maxEvidence,
      stateTtlMs: spec.windowMs + spec.latenessMs + this.settings.idleStateRetentionMs,
    }).then((reply) => this.env.markers.note(reply, keys, this.message.event.id));
  }

  burnRate(spec: Parameters<RuleContext['burnRate']>[0]) {
    const scope = `${spec.scope ?? entityKey(this.message.event.entity)}|${burnRateSignature(spec.conditions)}`;
    let longestMs = 0;
    for (const c of spec.conditions) longestMs = Math.max(longestMs, c.longMs);
    return burnRate(this.batch, {
      keys: scopeKeys(this.settings.keyPrefix, this.rule.id, scope),
      ...this.stateFacts(),
      good: spec.good,
      budget: spec.budget,
      conditions: spec.conditions,
      minEvents: spec.minEvents,
      latenessMs: spec.latenessMs,
      maxEvidence: spec.maxEvidence,
      stateTtlMs: longestMs + spec.latenessMs + this.settings.idleStateRetentionMs,
    });
  }

  deadline(spec: Parameters<RuleContext['deadline']>[0]) {
    const scope = spec.scope ?? entityKey(this.message.event.entity);
    const key = `${this.rule.id}\u0000${scope}`;
    if (spec.op === 'arm') {
      const upTo = this.env.armedUpTo.get(key);
      if (upTo !== undefined && this.eventTimeMs <= upTo) return UNCHANGED_DEADLINE;
      this.env.armedUpTo.set(key, this.eventTimeMs);
    } else if (this.env.armTouched.has(key)) {
      return UNCHANGED_DEADLINE;
    }
    this.env.armTouched.add(key);
    const keys = this.ruleKeys();
    return armDeadline(this.batch, {
      keys: keys.deadlines,
      groupKey: keys.deadlineGroup,
      op: spec.op,
      scope,
      ...this.eventFacts(),
      dueAtMs: spec.dueAtMs,
    });
  }

  sequence(spec: Parameters<RuleContext['sequence']>[0]) {
    const keys = this.ruleKeys();
    return sequenceStep(this.batch, {
      key: keys.sequence,
      groupKey: keys.sequenceGroup,
      op: spec.op,
      subject: spec.subject,
      subjects: keys.sequenceSubjects,
      ...this.eventFacts(),
    });
  }
}
