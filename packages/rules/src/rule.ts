import type { Category, Detection, EventKind, Severity, VigilEvent } from '@vigil/schema';
import type { z } from 'zod';
import type { AlertGroupResult } from './alert-group';
import type { BurnCondition, BurnRateResult } from './burn-rate';
import type { CommitmentSpec, ConsecutiveStateResult } from './consecutive-state';
import type { CountInWindowResult } from './count-in-window';
import type { DeadlineFiring, DeadlineResult } from './deadline';
import type { DistinctCountResult } from './distinct-count';
import type { StreamPosition } from './evidence';
import type { SequenceResult } from './sequence';

/**
 * A detection rule. Rules are plain objects: metadata for the incident record, a cheap `match`
 * filter, and an `evaluate` step that asks the Redis primitives (through the context) and turns
 * their answers into detections. Parameters come from a zod schema whose defaults are the rule's
 * defaults; overrides are validated against the same schema.
 */
export interface Rule<P = unknown> {
  /** Stable, dotted: `<area>.<what>`, e.g. `identity.brute-force`. */
  readonly id: string;
  /** Bump when what fires it changes; the incident record keeps the version that fired. */
  readonly version: number;
  readonly title: string;
  readonly description: string;
  /** SOC 2 criteria, e.g. `['CC7.2', 'CC7.3']`. */
  readonly criteria: readonly string[];
  readonly category: Category;
  readonly severity: Severity;
  /** Parses an override (a partial object) into full parameters; `parse({})` gives the defaults. */
  readonly parameters: z.ZodType<P>;
  /** The parameters in force. */
  readonly params: P;
  /** sha256 of the rules configuration the rule was loaded with (override file and rules directory), when loaded. */
  readonly rulesHash?: string;
  /** Events that must and must not make it fire, with what it must emit. */
  readonly fixtures: RuleFixtures;
  /** Who owns an incident from this rule in the owners map: a service, a source or the rule. */
  ownerKey(event: VigilEvent): string;
  /**
   * The event kinds `match` can accept; the detector offers a rule only events of these kinds.
   * Leave it out for a rule that looks at every kind (e.g. one that watches sources).
   */
  readonly kinds?: readonly EventKind[];
  /** Cheap and pure: runs for every event of `kinds`, before any Redis work, with the params in force. */
  match(event: VigilEvent, params: P): boolean;
  /** One incident per dedup key: further detections with it update that incident. */
  dedupKey(event: VigilEvent): string;
  /**
   * Runs for a matching event. Must request every primitive before its first `await`: the detector
   * sends one batch's requests to Redis together, once.
   */
  evaluate(event: VigilEvent, ctx: RuleContext<P>): Promise<RuleVerdict>;
  /**
   * For rules that arm deadlines (`ctx.deadline`): the detection for a deadline that came due with no
   * re-arming event, built only from the firing (so a retried tick rebuilds it exactly). `rule` is the
   * rule as configured (parameters, severity and owner overrides applied). Return `undefined` to drop
   * the firing (e.g. the scope is no longer watched).
   */
  onDeadline?(firing: DeadlineFiring, rule: Rule<P>): Detection | undefined;
}

/** What a rule gets for one event: its parameters, where the event sits, and the primitives bound to it. */
export interface RuleContext<P = unknown> {
  readonly rule: Rule<P>;
  readonly params: P;
  readonly position: StreamPosition;
  /** The event's time, epoch ms. */
  readonly eventTimeMs: number;
  /** `scope` defaults to the event's entity (`type:id`); a rule counting per IP passes its own. */
  countInWindow(spec: {
    windowMs: number;
    latenessMs: number;
    threshold: number;
    maxEvidence: number;
    scope?: string;
  }): Promise<CountInWindowResult>;
  /**
   * Up/down state of a scope from its checks. Down after `failuresToTrip` consecutive failures, or (when
   * `regionsToTrip` > 0) when that many regions' latest checks failed within `regionWindowMs`. With
   * `commitment` it also accounts downtime per period and reports the check at which availability
   * fell below the commitment (and then nothing else).
   */
  consecutiveState(spec: {
    succeeded: boolean;
    failuresToTrip: number;
    latenessMs: number;
    scope?: string;
    region?: string;
    regionsToTrip?: number;
    regionWindowMs?: number;
    commitment?: CommitmentSpec;
    /** Keep idle state at least this long (wall clock), e.g. a whole commitment period. */
    retainMs?: number;
  }): Promise<ConsecutiveStateResult>;
  /**
   * Up/down state of a service from its group of alerts (Alertmanager): down while `alertsToTrip` of them
   * fire, or one with `tripsAlone`, from the earliest `startsAtMs`; up when all have resolved. The event's
   * time is the alert's startsAt while it fires and its endsAt once resolved.
   */
  alertGroup(spec: {
    firing: boolean;
    fingerprint: string;
    startsAtMs: number;
    tripsAlone: boolean;
    alertsToTrip: number;
    scope?: string;
  }): Promise<AlertGroupResult>;
  /** How many distinct `value`s (e.g. users per IP) the scope saw within the window; fires once per burst. */
  distinctCount(spec: {
    value: string;
    windowMs: number;
    latenessMs: number;
    threshold: number;
    maxEvidence: number;
    scope?: string;
  }): Promise<DistinctCountResult>;
  /** Good/bad counts in time buckets and multi-window burn-rate conditions over them. */
  burnRate(spec: {
    good: boolean;
    /** Allowed error ratio, `1 - target` (0.001 for 99.9 %). */
    budget: number;
    conditions: readonly BurnCondition[];
    minEvents: number;
    latenessMs: number;
    maxEvidence: number;
    scope?: string;
  }): Promise<BurnRateResult>;
  /**
   * Arms the scope's deadline at `dueAtMs` (event time + allowance) with this event as its evidence,
   * unless a newer event already armed it. `arm-if-absent` arms only a scope with no deadline yet.
   * A deadline that comes due fires from `Detector.tick`; arming a fired deadline resolves it.
   * One call per rule per batch carries every scope's arming.
   */
  deadline(spec: { op: 'arm' | 'arm-if-absent'; dueAtMs: number; scope?: string }): Promise<DeadlineResult>;
  /**
   * A per-subject sequence: `begin` opens an episode, `end` closes it, and the first `observe` after
   * a `begin` (in event time) with no `end` between fires, once per episode. One call per rule per batch.
   */
  sequence(spec: { op: 'begin' | 'end' | 'observe'; subject: string }): Promise<SequenceResult>;
}

export interface RuleVerdict {
  detections: Detection[];
  /** Set when the event was too late to count, with the reason; the detector reports it. */
  late?: string;
}

/** A later step of a fixture: another batch, or a tick of the timers at a moment. */
export type FixtureStep =
  /** In stream order; delivered as one batch (the clock is moved up to the newest event time first). */
  | { events: VigilEvent[] }
  /** The clock is set to this many ms after `FIXTURE_EPOCH_MS` (never backwards), then `tick()` runs. */
  | { tickAt: number };

export interface RuleFixture {
  name: string;
  /** Parameter overrides for this fixture, over the rule's defaults (e.g. the sources to watch). */
  parameters?: Record<string, unknown>;
  /** In stream order; delivered as one batch. */
  events: VigilEvent[];
  /** Further batches and ticks, in order, after `events`. */
  then?: FixtureStep[];
  /** What the rule must emit over all steps, in order; empty for a negative fixture. */
  expected: Array<{
    status: Detection['status'];
    /** The event that caused it; for a deadline firing, the event that armed the deadline. */
    triggerEventId: string;
    /** The detection id's suffix; defaults to `resolved` for a resolution and none for a firing. */
    idSuffix?: string;
    attributes?: Detection['attributes'];
    severity?: Detection['severity'];
    /**
     * For a burst's continuation (`idSuffix: 'burst'`, the batch's later events of a burst that fired):
     * the events the burst had counted by then.
     */
    burstEvents?: number;
  }>;
}

export interface RuleFixtures {
  positive: RuleFixture[];
  negative: RuleFixture[];
}

export type RuleDefinition<P> = Omit<Rule<P>, 'params'>;

/** Fills in the default parameters, so a definition cannot ship defaults that fail its own schema. */
export function defineRule<P>(definition: RuleDefinition<P>): Rule<P> {
  return { ...definition, params: definition.parameters.parse({}) };
}

export const NO_DETECTIONS: RuleVerdict = { detections: [] };
