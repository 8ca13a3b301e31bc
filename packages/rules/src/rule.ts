import type { Category, Detection, Severity, VigilEvent } from '@vigil/schema';
import type { z } from 'zod';
import type { ConsecutiveStateResult } from './consecutive-state';
import type { CountInWindowResult } from './count-in-window';
import type { StreamPosition } from './evidence';

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
  /** Events that must and must not make it fire, with what it must emit. */
  readonly fixtures: RuleFixtures;
  /** Who owns an incident from this rule in the owners map: a service, a source or the rule. */
  ownerKey(event: VigilEvent): string;
  /** Cheap and pure: runs for every event, before any Redis work. */
  match(event: VigilEvent): boolean;
  /** One incident per dedup key: further detections with it update that incident. */
  dedupKey(event: VigilEvent): string;
  /**
   * Runs for a matching event. Must request every primitive before its first `await`: the detector
   * sends one batch's requests to Redis together, once.
   */
  evaluate(event: VigilEvent, ctx: RuleContext<P>): Promise<RuleVerdict>;
}

/** What a rule gets for one event: its parameters, where the event sits, and the primitives bound to it. */
export interface RuleContext<P = unknown> {
  readonly rule: Rule<P>;
  readonly params: P;
  readonly position: StreamPosition;
  /** `scope` defaults to the event's entity (`type:id`); a rule counting per IP passes its own. */
  countInWindow(spec: {
    windowMs: number;
    latenessMs: number;
    threshold: number;
    maxEvidence: number;
    scope?: string;
  }): Promise<CountInWindowResult>;
  consecutiveState(spec: {
    succeeded: boolean;
    failuresToTrip: number;
    latenessMs: number;
    scope?: string;
  }): Promise<ConsecutiveStateResult>;
}

export interface RuleVerdict {
  detections: Detection[];
  /** Set when the event was too late to count, with the reason; the detector reports it. */
  late?: string;
}

export interface RuleFixture {
  name: string;
  /** In stream order; delivered as one batch. */
  events: VigilEvent[];
  /** What the rule must emit, in order; empty for a negative fixture. */
  expected: Array<{
    status: Detection['status'];
    triggerEventId: string;
    attributes?: Detection['attributes'];
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
