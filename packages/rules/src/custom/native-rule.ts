import { Category, Criterion, EVENT_KINDS, Severity, type EventKind, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import { deadlineSuffix } from '../detection-builder';
import { Duration } from '../duration';
import type { Rule } from '../rule';
import {
  TEMPLATE_VARS,
  customRule,
  type CustomParams,
  type CustomRuleSpec,
  type StepSpec,
} from './custom-rule';
import { FIELD_HELP, asText, compileTemplate, eventField, type FieldGetter } from './event-fields';
import { compileCondition, type Predicate } from './native-condition';
import { compileTests } from './rule-tests';
import { asRecord, type Problems, type RuleDocument } from './rule-source';

const RULE_ID = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/;
const STEPS = ['count', 'distinct', 'sequence', 'absence'] as const;

const Header = z.object({
  id: z.string().regex(RULE_ID, 'expected a dotted lower-case id such as acme.console-failures'),
  version: z.number().int().positive().default(1),
  title: z.string().min(1).max(256),
  description: z.string().default(''),
  criteria: z.array(Criterion).min(1),
  category: Category.default('security'),
  severity: Severity,
  owner: z.string().min(1).optional(),
  kinds: z.array(z.enum(EVENT_KINDS)).min(1).optional(),
});

const GroupBy = z.array(z.string()).optional();
const Window = z.strictObject({
  groupBy: GroupBy,
  window: Duration,
  threshold: z.number().int().min(1).max(100_000),
  allowedLateness: Duration.default(5 * 60_000),
  maxEvidence: z.number().int().min(1).max(1_000).default(50),
});
const StepSchemas = {
  count: Window,
  distinct: Window.extend({ field: z.string() }),
  sequence: z.strictObject({ groupBy: GroupBy, then: z.unknown(), within: Duration }),
  absence: z.strictObject({ groupBy: GroupBy, window: Duration }),
} as const;
const Output = z.strictObject({
  title: z.string().min(1).optional(),
  summary: z.string().optional(),
  dedupKey: z.string().min(1).optional(),
});

const KNOWN = new Set([
  'id',
  'version',
  'title',
  'description',
  'criteria',
  'category',
  'severity',
  'owner',
  'kinds',
  'match',
  'output',
  'tests',
  ...STEPS,
]);

/** Compiles one native rule document; problems carry the file, line and field. */
export function compileNativeRule(doc: RuleDocument, problems: Problems): Rule<CustomParams> | undefined {
  const value = asRecord(doc.value)!;
  for (const key of Object.keys(value))
    if (!KNOWN.has(key)) problems.at(doc, [key], `unknown field; expected one of ${[...KNOWN].join(', ')}`);
  const header = Header.safeParse(value);
  if (!header.success) {
    for (const issue of header.error.issues) problems.at(doc, issue.path as string[], issue.message);
    return undefined;
  }
  const match = compileCondition(doc, ['match'], value.match, problems);
  const steps = STEPS.filter((s) => value[s] !== undefined);
  if (steps.length > 1)
    problems.at(doc, [steps[1]!], `a rule takes at most one stateful step; it has ${steps.join(' and ')}`);
  const stepName = steps[0];
  let step: StepSpec = { kind: 'single' };
  let groupBy: string[] | undefined;
  let isFirst: Predicate | undefined;
  let isThen: Predicate | undefined;
  if (stepName) {
    const parsed = StepSchemas[stepName].safeParse(value[stepName]);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.at(doc, [stepName, ...(issue.path as string[])], issue.message);
      return undefined;
    }
    const s = parsed.data;
    groupBy = s.groupBy;
    if (stepName === 'count') step = { kind: 'count', ...(s as z.infer<typeof Window>) };
    else if (stepName === 'distinct') {
      const d = s as z.infer<typeof StepSchemas.distinct>;
      const get = fieldOrProblem(doc, [stepName, 'field'], d.field, problems);
      step = { kind: 'distinct', ...d, valueOf: (e) => textOf(get(e)) };
    } else if (stepName === 'sequence') {
      const q = s as z.infer<typeof StepSchemas.sequence>;
      isFirst = match;
      isThen = compileCondition(doc, ['sequence', 'then'], q.then, problems);
      const first = isFirst;
      const then = isThen;
      step = { kind: 'sequence', isFirst: first, isThen: then, within: q.within };
    } else step = { kind: 'absence', window: (s as z.infer<typeof StepSchemas.absence>).window };
  }
  const groupGetters = (groupBy ?? []).map((f, i) =>
    fieldOrProblem(doc, [stepName ?? '', 'groupBy', i], f, problems),
  );
  const output = Output.safeParse(value.output ?? {});
  if (!output.success) {
    for (const issue of output.error.issues)
      problems.at(doc, ['output', ...(issue.path as string[])], issue.message);
    return undefined;
  }
  const template = (key: 'title' | 'summary' | 'dedupKey', text: string, vars: readonly string[]) => {
    const compiled = compileTemplate(text, vars);
    if (typeof compiled === 'function') return compiled;
    problems.at(
      doc,
      ['output', key],
      `unknown placeholder ${compiled.unknown.map((u) => `{{${u}}}`).join(', ')}; use ${FIELD_HELP}, or ${vars.join(', ')}`,
    );
    return () => '';
  };
  const h = header.data;
  const defaultSummary =
    step.kind === 'count' || step.kind === 'distinct'
      ? `${h.title}: {{count}} matching events for {{group}} within {{window}} (threshold {{threshold}}).`
      : step.kind === 'sequence'
        ? `${h.title}: {{group}} did the first step at {{begunAt}} and the next at {{time}}.`
        : step.kind === 'absence'
          ? `${h.title}: nothing from {{group}} since {{lastEventAt}} (expected within {{window}}).`
          : `${h.title}: {{action}} by {{actor.user}} on {{entity.id}}.`;
  const titleOf = template('title', output.data.title ?? h.title, TEMPLATE_VARS);
  const summaryOf = template('summary', output.data.summary ?? defaultSummary, TEMPLATE_VARS);
  const dedup = output.data.dedupKey ? template('dedupKey', output.data.dedupKey, []) : undefined;
  const window = step.kind === 'absence' ? step.window : 0;
  const fixtures = compileTests(
    doc,
    value.tests,
    problems,
    step.kind === 'absence'
      ? (trigger, parameters) => {
          const override =
            parameters?.window === undefined ? undefined : Duration.safeParse(parameters.window).data;
          return deadlineSuffix(Date.parse(trigger.time) + (override ?? window));
        }
      : undefined,
  );
  const spec: CustomRuleSpec = {
    ...h,
    ...(h.kinds
      ? { kinds: h.kinds as EventKind[] }
      : step.kind === 'sequence'
        ? {}
        : { kinds: kindsOf(value.match) }),
    match: isFirst && isThen ? (e) => isFirst(e) || isThen(e) : match,
    step,
    ...(groupGetters.length > 0
      ? { groupOf: (e: VigilEvent) => groupGetters.map((g) => asText(g(e))).join('|') }
      : {}),
    entityOf: entityFor(groupBy),
    ...(dedup ? { dedupOf: (e: VigilEvent) => dedup(e, {}) } : {}),
    titleOf,
    summaryOf,
    fixtures,
  };
  if (spec.kinds === undefined) delete spec.kinds;
  return customRule(spec);
}

function fieldOrProblem(
  doc: RuleDocument,
  path: Array<string | number>,
  field: string,
  problems: Problems,
): FieldGetter {
  const get = eventField(field);
  if (get) return get;
  problems.at(doc, path, `unknown field "${field}"; expected ${FIELD_HELP}`);
  return () => undefined;
}

function textOf(value: unknown): string | undefined {
  const text = asText(value);
  return text === '' ? undefined : text.toLowerCase();
}

/** A rule whose match pins `kind` is offered only those kinds: the detector skips it for the rest. */
function kindsOf(match: unknown): EventKind[] | undefined {
  const kind = asRecord(match)?.kind;
  const kinds = typeof kind === 'string' ? [kind] : Array.isArray(kind) ? kind : undefined;
  if (!kinds || !kinds.every((k) => (EVENT_KINDS as readonly unknown[]).includes(k))) return undefined;
  return kinds as EventKind[];
}

/** A group of one IP or user is that entity; a wider group is a resource named by its values. */
function entityFor(groupBy: string[] | undefined): CustomRuleSpec['entityOf'] {
  if (!groupBy || groupBy.length === 0) return undefined;
  const only = groupBy.length === 1 ? groupBy[0] : undefined;
  return (event, group) => {
    if (group === '') return event.entity;
    if (only === 'actor.ip') return { type: 'ip', id: group };
    if (only === 'actor.user') return { type: 'user', id: group };
    if (only === 'entity.id') return { type: event.entity.type, id: group };
    return { type: 'resource', id: group.slice(0, 512) };
  };
}
