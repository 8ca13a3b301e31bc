import {
  entityKey,
  type Category,
  type Detection,
  type Entity,
  type EventKind,
  type Severity,
  type VigilEvent,
} from '@vigil/schema';
import { z } from 'zod';
import { burstContinuation, crossingBurst } from '../burst-detections';
import { deadlineDetection, deadlineResolvedDetection } from '../deadline-detections';
import { detectionBase, detectionId, isoTime, singleEventDetection } from '../detection-builder';
import { Duration, formatDuration } from '../duration';
import type { ObservedSet } from '../evidence';
import { lateReason } from '../lateness';
import { NO_DETECTIONS, type Rule, type RuleContext, type RuleFixtures, type RuleVerdict } from '../rule';
import type { EvidenceRef } from '@vigil/schema';

/** The one stateful step a custom rule may take, on the detector's primitives. */
export type StepSpec =
  | { kind: 'single' }
  | { kind: 'count'; window: number; threshold: number; allowedLateness: number; maxEvidence: number }
  | {
      kind: 'distinct';
      /** The value counted once per group, e.g. the user; events without one are not counted. */
      valueOf: (event: VigilEvent) => string | undefined;
      window: number;
      threshold: number;
      allowedLateness: number;
      maxEvidence: number;
    }
  | {
      kind: 'sequence';
      isFirst: (event: VigilEvent) => boolean;
      isThen: (event: VigilEvent) => boolean;
      within: number;
    }
  | { kind: 'absence'; window: number };

export type StepKind = StepSpec['kind'];

/** Names a template may use besides event fields, per step. */
export const TEMPLATE_VARS = [
  'count',
  'threshold',
  'window',
  'group',
  'values',
  'firstEventAt',
  'begunAt',
  'lastEventAt',
  'dueAt',
] as const;

/** What the native and Sigma compilers produce; `customRule` turns it into a `Rule`. */
export interface CustomRuleSpec {
  id: string;
  version: number;
  title: string;
  description: string;
  criteria: string[];
  category: Category;
  severity: Severity;
  owner?: string;
  kinds?: EventKind[];
  /** Every event the rule looks at (for a sequence: its first or its then events). */
  match: (event: VigilEvent) => boolean;
  step: StepSpec;
  /** The group an event belongs to (`|`-joined group-by values); undefined groups by entity. */
  groupOf?: (event: VigilEvent) => string;
  /** The entity a detection is about, given the event and its group. */
  entityOf?: (event: VigilEvent, group: string) => Entity;
  /** Rendered into the dedup key after the rule id; default the group. */
  dedupOf?: (event: VigilEvent) => string;
  titleOf: (event: VigilEvent, vars: Readonly<Record<string, unknown>>) => string;
  summaryOf: (event: VigilEvent, vars: Readonly<Record<string, unknown>>) => string;
  fixtures: RuleFixtures;
}

export type CustomParams = Record<string, number>;

/** The parameters an override may change, with the file's values as defaults. */
function parameterSchema(step: StepSpec): z.ZodType<CustomParams> {
  switch (step.kind) {
    case 'count':
    case 'distinct':
      return z.strictObject({
        threshold: z.number().int().min(1).max(100_000).default(step.threshold),
        window: Duration.default(step.window),
        allowedLateness: Duration.default(step.allowedLateness),
        maxEvidence: z.number().int().min(1).max(1_000).default(step.maxEvidence),
      });
    case 'sequence':
      return z.strictObject({ within: Duration.default(step.within) });
    case 'absence':
      return z.strictObject({ window: Duration.default(step.window) });
    case 'single':
      return z.strictObject({});
  }
}

/** Marks the stand-in event of a deadline firing, whose group is its entity id. */
const FIRING_SOURCE = 'vigil-deadline';

/** A custom rule on the `Rule` interface: the same detector, primitives and guarantees as the catalog. */
export function customRule(spec: CustomRuleSpec): Rule<CustomParams> {
  const parameters = parameterSchema(spec.step);
  const groupOf = (event: VigilEvent): string =>
    event.source === FIRING_SOURCE && event.action === 'deadline'
      ? event.entity.id
      : spec.groupOf
        ? spec.groupOf(event)
        : entityKey(event.entity);
  const entityOf = (event: VigilEvent, group: string): Entity =>
    spec.entityOf ? spec.entityOf(event, group) : event.entity;
  const owner = spec.owner ?? spec.id;
  const rule: Rule<CustomParams> = {
    id: spec.id,
    version: spec.version,
    title: spec.title,
    description: spec.description,
    criteria: spec.criteria,
    category: spec.category,
    severity: spec.severity,
    parameters,
    params: parameters.parse({}),
    fixtures: spec.fixtures,
    ownerKey: () => owner,
    ...(spec.kinds ? { kinds: spec.kinds } : {}),
    match: (event) => spec.match(event),
    dedupKey: (event) =>
      `${spec.id}:${spec.dedupOf && event.source !== FIRING_SOURCE ? spec.dedupOf(event) : groupOf(event)}`,
    evaluate: (event, ctx) => evaluateStep(spec, event, ctx, groupOf(event), entityOf),
  };
  if (spec.step.kind === 'absence') {
    rule.onDeadline = (firing, configured) => {
      const vars = {
        group: firing.scope,
        lastEventAt: isoTime(firing.armedAtMs),
        dueAt: isoTime(firing.dueMs),
        window: formatDuration(configured.params.window ?? 0),
      };
      const stand = firingStandIn(firing.evidence, firing.scope);
      return deadlineDetection(
        configured,
        firing,
        { entity: { type: 'resource', id: firing.scope }, source: FIRING_SOURCE },
        {
          title: spec.titleOf(stand, vars),
          summary: spec.summaryOf(stand, vars),
          attributes: { group: firing.scope, lastEventAt: vars.lastEventAt, dueAt: vars.dueAt },
        },
      );
    };
  }
  return rule;
}

function firingStandIn(evidence: EvidenceRef, group: string): VigilEvent {
  return {
    id: evidence.eventId,
    source: FIRING_SOURCE,
    kind: 'heartbeat',
    action: 'deadline',
    ocsfClassUid: 0,
    time: evidence.time,
    receivedAt: evidence.time,
    entity: { type: 'resource', id: group },
    outcome: 'unknown',
    actor: {},
    attributes: {},
    raw: null,
  };
}

async function evaluateStep(
  spec: CustomRuleSpec,
  event: VigilEvent,
  ctx: RuleContext<CustomParams>,
  group: string,
  entityOf: (event: VigilEvent, group: string) => Entity,
): Promise<RuleVerdict> {
  const { step } = spec;
  const { params } = ctx;
  const rule = ctx.rule;
  const entity = entityOf(event, group);
  const scope = `g:${group}`;
  switch (step.kind) {
    case 'single': {
      const vars = { group };
      return {
        detections: [
          singleEventDetection(rule, event, ctx.position, {
            title: spec.titleOf(event, vars),
            summary: spec.summaryOf(event, vars),
            attributes: { group },
            entity,
          }),
        ],
      };
    }
    case 'count':
    case 'distinct': {
      const window = {
        windowMs: params.window!,
        latenessMs: params.allowedLateness!,
        threshold: params.threshold!,
        maxEvidence: params.maxEvidence!,
        scope,
      };
      let result;
      let values: string[] = [];
      if (step.kind === 'count') {
        result = await ctx.countInWindow(window);
      } else {
        const value = step.valueOf(event);
        if (value === undefined) return NO_DETECTIONS;
        result = await ctx.distinctCount({ ...window, value });
        if (result.kind === 'crossed') values = result.crossing.values;
      }
      if (result.kind === 'late')
        return { detections: [], late: lateReason(event, scope, result.newestMs, window.latenessMs) };
      if (result.kind === 'counted' && result.burst)
        return { detections: [burstContinuation(rule, event, ctx.position, result.burst, entity)] };
      if (result.kind !== 'crossed') return NO_DETECTIONS;
      const { crossing } = result;
      const vars = {
        count: crossing.count,
        threshold: crossing.threshold,
        window: formatDuration(crossing.windowMs),
        group,
        values: values.slice(-20).join(', '),
        firstEventAt: isoTime(crossing.firstEventMs),
      };
      return {
        detections: [
          windowDetection(rule, event, entity, crossing, spec, vars, {
            count: crossing.count,
            threshold: crossing.threshold,
            windowSeconds: crossing.windowMs / 1000,
            group,
            ...(step.kind === 'distinct' ? { values: vars.values } : {}),
          }),
        ],
      };
    }
    case 'sequence': {
      const begin = step.isFirst(event) ? ctx.sequence({ op: 'begin', subject: group }) : undefined;
      const observe = step.isThen(event) ? ctx.sequence({ op: 'observe', subject: group }) : undefined;
      const [, result] = await Promise.all([begin, observe]);
      if (result?.kind !== 'fired') return NO_DETECTIONS;
      const { match } = result;
      if (match.triggerTimeMs - match.begunAtMs > params.within!) return NO_DETECTIONS;
      const vars = { group, begunAt: isoTime(match.begunAtMs), window: formatDuration(params.within!) };
      const base = detectionBase(rule, event, entity);
      return {
        detections: [
          {
            id: detectionId(rule.id, base.dedupKey, match.triggerEventId),
            ...base,
            status: 'firing',
            title: spec.titleOf(event, vars),
            summary: spec.summaryOf(event, vars),
            firstEventAt: isoTime(match.begunAtMs),
            detectedAt: isoTime(match.detectedAtMs),
            evidence: match.evidence,
            attributes: { group, begunAt: vars.begunAt, withinSeconds: params.within! / 1000 },
          },
        ],
      };
    }
    case 'absence': {
      const result = await ctx.deadline({
        op: 'arm',
        scope: group,
        dueAtMs: ctx.eventTimeMs + params.window!,
      });
      if (result.kind !== 'resolved') return NO_DETECTIONS;
      const { resolution } = result;
      const silentMs = Math.max(1, resolution.triggerTimeMs - resolution.armedAtMs);
      return {
        detections: [
          deadlineResolvedDetection(rule, event, resolution, {
            entity: { type: 'resource', id: group },
            title: `${spec.title}: ${group} seen again`,
            summary: `${group} was seen again at ${event.time} after ${formatDuration(silentMs)} without a matching event.`,
            attributes: { group, silentSeconds: silentMs / 1000, lastEventAt: isoTime(resolution.armedAtMs) },
          }),
        ],
      };
    }
  }
}

function windowDetection(
  rule: Rule<CustomParams>,
  event: VigilEvent,
  entity: Entity,
  crossing: {
    triggerEventId: string;
    count: number;
    firstEventMs: number;
    detectedAtMs: number;
    evidence: EvidenceRef[];
    observed: ObservedSet;
  },
  spec: CustomRuleSpec,
  vars: Record<string, unknown>,
  attributes: Detection['attributes'],
): Detection {
  const base = detectionBase(rule, event, entity);
  return {
    id: detectionId(rule.id, base.dedupKey, crossing.triggerEventId),
    ...base,
    status: 'firing',
    title: spec.titleOf(event, vars),
    summary: spec.summaryOf(event, vars),
    firstEventAt: isoTime(crossing.firstEventMs),
    detectedAt: isoTime(crossing.detectedAtMs),
    evidence: crossing.evidence,
    ...crossingBurst(crossing),
    attributes,
  };
}
