import { Criterion, type Severity, type VigilEvent } from '@vigil/schema';
import { Duration } from '../../duration';
import { actorText } from '../../detection-builder';
import type { Rule } from '../../rule';
import { customRule, type CustomParams, type CustomRuleSpec, type StepSpec } from '../custom-rule';
import { asText } from '../event-fields';
import { compileTests } from '../rule-tests';
import { asRecord, type Problems, type RuleDocument } from '../rule-source';
import { compileSigmaDetection, type RawPredicate } from './sigma-detection';
import { sigmaLogsource, type SigmaLogsource } from './sigma-logsource';

interface SigmaBase {
  doc: RuleDocument;
  ruleId: string;
  refs: string[];
  title: string;
  description: string;
  severity: Severity;
  criteria: string[];
  logsource: SigmaLogsource;
  matches: RawPredicate;
}

interface SigmaCorrelation {
  doc: RuleDocument;
  ruleId: string;
  refs: string[];
  section: Record<string, unknown>;
}

const LEVELS: Readonly<Record<string, Severity>> = {
  informational: 'SEV4',
  low: 'SEV4',
  medium: 'SEV3',
  high: 'SEV2',
  critical: 'SEV1',
};
const CORRELATION_TYPES = ['event_count', 'value_count', 'temporal', 'temporal_ordered'];
const DEFAULT_LATENESS_MS = 5 * 60_000;
const MAX_EVIDENCE = 50;

/** `sigma.<name>`: from the rule's `name`, else its `id`, else its title. */
function ruleIdOf(value: Record<string, unknown>): string {
  const basis = [value.name, value.id, value.title].find((v) => typeof v === 'string') as string | undefined;
  const slug = (basis ?? 'rule')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `sigma.${slug || 'rule'}`;
}

/** Criteria from `soc2.<criterion>` tags (e.g. `soc2.cc7.2`). */
function tagCriteria(doc: RuleDocument, tags: unknown, problems: Problems): string[] {
  if (!Array.isArray(tags)) return [];
  const out: string[] = [];
  tags.forEach((tag, i) => {
    if (typeof tag !== 'string' || !tag.toLowerCase().startsWith('soc2.')) return;
    const criterion = tag.slice('soc2.'.length).toUpperCase();
    if (Criterion.safeParse(criterion).success) out.push(criterion);
    else problems.at(doc, ['tags', i], `"${tag}" is not a SOC 2 criterion tag such as soc2.cc7.2`);
  });
  return out;
}

function severityOf(doc: RuleDocument, level: unknown, problems: Problems): Severity {
  if (level === undefined) return 'SEV3';
  const severity = typeof level === 'string' ? LEVELS[level] : undefined;
  if (!severity) problems.at(doc, ['level'], `expected one of ${Object.keys(LEVELS).join(', ')}`);
  return severity ?? 'SEV3';
}

/**
 * Compiles the Sigma documents of a rules directory: detection rules standing alone become rules;
 * correlation rules become stateful rules over the detection rules they name, which then stand
 * alone only with `generate: true`.
 */
export function compileSigmaDocuments(
  docs: readonly RuleDocument[],
  problems: Problems,
): Array<{ rule: Rule<CustomParams>; doc: RuleDocument }> {
  const bases: SigmaBase[] = [];
  const correlations: SigmaCorrelation[] = [];
  for (const doc of docs) {
    const value = asRecord(doc.value)!;
    const refs = [value.name, value.id].filter((v): v is string => typeof v === 'string');
    if (value.action !== undefined || value.filter !== undefined) {
      problems.at(
        doc,
        [value.filter !== undefined ? 'filter' : 'action'],
        'Sigma filters and meta-rule actions are not supported',
      );
      continue;
    }
    if (typeof value.title !== 'string') problems.at(doc, ['title'], 'a Sigma rule needs a title');
    if (value.correlation !== undefined) {
      const section = asRecord(value.correlation);
      if (!section) problems.at(doc, ['correlation'], 'expected a map');
      else correlations.push({ doc, ruleId: ruleIdOf(value), refs, section });
      continue;
    }
    const logsource = sigmaLogsource(value.logsource);
    if (typeof logsource === 'string') {
      problems.at(doc, ['logsource'], logsource);
      continue;
    }
    bases.push({
      doc,
      ruleId: ruleIdOf(value),
      refs,
      title: typeof value.title === 'string' ? value.title : ruleIdOf(value),
      description: typeof value.description === 'string' ? value.description : '',
      severity: severityOf(doc, value.level, problems),
      criteria: tagCriteria(doc, value.tags, problems),
      logsource,
      matches: compileSigmaDetection(doc, value.detection, logsource, problems),
    });
  }
  const byRef = new Map<string, SigmaBase>();
  for (const base of bases) for (const ref of base.refs) byRef.set(ref, base);
  const correlationRefs = new Set(correlations.flatMap((c) => c.refs));
  const hidden = new Set<SigmaBase>();
  const rules: Array<{ rule: Rule<CustomParams>; doc: RuleDocument }> = [];
  for (const correlation of correlations) {
    const rule = compileCorrelation(correlation, byRef, correlationRefs, hidden, problems);
    if (rule) rules.push({ rule, doc: correlation.doc });
  }
  for (const base of bases)
    if (!hidden.has(base)) rules.push({ rule: baseRule(base, problems), doc: base.doc });
  return rules;
}

function baseMatches(base: SigmaBase, event: VigilEvent): boolean {
  return base.logsource.accepts(event.raw) && base.matches(event.raw);
}

function baseRule(base: SigmaBase, problems: Problems): Rule<CustomParams> {
  const value = asRecord(base.doc.value)!;
  return customRule({
    id: base.ruleId,
    version: 1,
    title: base.title,
    description: base.description,
    criteria: base.criteria.length > 0 ? base.criteria : base.logsource.defaultCriteria,
    category: 'security',
    severity: base.severity,
    match: (event) => baseMatches(base, event),
    step: { kind: 'single' },
    titleOf: () => base.title,
    summaryOf: (event) =>
      `${base.title}: ${event.action} by ${actorText(event)} on ${event.entity.id} (${event.source}, ${event.time}).`,
    fixtures: compileTests(base.doc, value.tests, problems),
  });
}

function compileCorrelation(
  c: SigmaCorrelation,
  byRef: ReadonlyMap<string, SigmaBase>,
  correlationRefs: ReadonlySet<string>,
  hidden: Set<SigmaBase>,
  problems: Problems,
): Rule<CustomParams> | undefined {
  const { doc, section } = c;
  const value = asRecord(doc.value)!;
  const at = (key: string, message: string) => problems.at(doc, ['correlation', key], message);
  const type = section.type;
  if (typeof type !== 'string' || !CORRELATION_TYPES.includes(type)) {
    at('type', `expected one of ${CORRELATION_TYPES.join(', ')}`);
    return undefined;
  }
  if (section.aliases !== undefined)
    at('aliases', 'field name aliases are not supported; group by a field every named rule has');
  const refs = Array.isArray(section.rules) ? section.rules : [];
  const named: SigmaBase[] = [];
  refs.forEach((ref, i) => {
    const base = typeof ref === 'string' ? byRef.get(ref) : undefined;
    if (base) named.push(base);
    else if (typeof ref === 'string' && correlationRefs.has(ref))
      problems.at(
        doc,
        ['correlation', 'rules', i],
        `"${ref}" is a correlation: chained correlations are not supported`,
      );
    else
      problems.at(
        doc,
        ['correlation', 'rules', i],
        `no Sigma detection rule in the rules directory has the name or id ${JSON.stringify(ref)}`,
      );
  });
  if (refs.length === 0) at('rules', 'expected the names or ids of the rules it correlates');
  const groupBy = Array.isArray(section['group-by'])
    ? section['group-by'].filter((g): g is string => typeof g === 'string')
    : [];
  if (section['group-by'] !== undefined && !Array.isArray(section['group-by']))
    at('group-by', 'expected a list of field names');
  const timespan = Duration.safeParse(section.timespan);
  if (!timespan.success) at('timespan', 'expected a time span such as 30s, 10m, 1h, 2d');
  const condition = asRecord(section.condition);
  const threshold = thresholdOf(type, condition, named.length, at);
  const field =
    typeof condition?.field === 'string'
      ? condition.field
      : typeof section.field === 'string'
        ? section.field
        : undefined;
  if (type === 'value_count' && !field)
    at('condition', 'value_count needs the field whose distinct values it counts (condition.field)');
  if (type === 'temporal_ordered' && refs.length !== 2)
    at('rules', 'temporal_ordered is supported for exactly two rules (the first, then the second)');
  if (!timespan.success || threshold === undefined || named.length !== refs.length) return undefined;
  if (value.generate !== true) for (const base of named) hidden.add(base);

  const memo = new WeakMap<VigilEvent, SigmaBase | null>();
  const matchedBase = (event: VigilEvent): SigmaBase | undefined => {
    let found = memo.get(event);
    if (found === undefined) memo.set(event, (found = named.find((b) => baseMatches(b, event)) ?? null));
    return found ?? undefined;
  };
  const groupOf = (event: VigilEvent) => {
    const base = matchedBase(event);
    return groupBy.map((f) => (base ? asText(base.logsource.values(event.raw, f)[0]) : '')).join('|');
  };
  const windowMs = timespan.data;
  let step: StepSpec;
  if (type === 'event_count')
    step = {
      kind: 'count',
      window: windowMs,
      threshold,
      allowedLateness: DEFAULT_LATENESS_MS,
      maxEvidence: MAX_EVIDENCE,
    };
  else if (type === 'value_count' || type === 'temporal') {
    const valueOf =
      type === 'value_count'
        ? (event: VigilEvent) => {
            const base = matchedBase(event);
            const v = base ? asText(base.logsource.values(event.raw, field!)[0]) : '';
            return v === '' ? undefined : v.toLowerCase();
          }
        : (event: VigilEvent) => matchedBase(event)?.ruleId;
    step = {
      kind: 'distinct',
      valueOf,
      window: windowMs,
      threshold,
      allowedLateness: DEFAULT_LATENESS_MS,
      maxEvidence: MAX_EVIDENCE,
    };
  } else {
    const [first, then] = named as [SigmaBase, SigmaBase];
    step = {
      kind: 'sequence',
      isFirst: (e) => baseMatches(first, e),
      isThen: (e) => baseMatches(then, e),
      within: windowMs,
    };
  }
  const title = typeof value.title === 'string' ? value.title : c.ruleId;
  const tagged = tagCriteria(doc, value.tags, problems);
  const inherited = [
    ...new Set(named.flatMap((b) => (b.criteria.length > 0 ? b.criteria : b.logsource.defaultCriteria))),
  ];
  const spec: CustomRuleSpec = {
    id: c.ruleId,
    version: 1,
    title,
    description: typeof value.description === 'string' ? value.description : '',
    criteria: tagged.length > 0 ? tagged : inherited,
    category: 'security',
    severity: value.level === undefined ? maxSeverity(named) : severityOf(doc, value.level, problems),
    match: (event) => matchedBase(event) !== undefined,
    step,
    groupOf,
    entityOf: (event, group) =>
      group === '' ? event.entity : { type: 'resource', id: `${groupBy.join('|')}=${group}`.slice(0, 512) },
    titleOf: (_event, vars) => `${title} (${asText(vars.group) || 'all'})`,
    summaryOf: (_event, vars) => correlationSummary(type, title, groupBy, vars),
    fixtures: compileTests(doc, value.tests, problems),
  };
  return customRule(spec);
}

function thresholdOf(
  type: string,
  condition: Record<string, unknown> | undefined,
  rules: number,
  at: (key: string, message: string) => void,
): number | undefined {
  const ops = Object.keys(condition ?? {}).filter((k) => k !== 'field');
  if (type === 'temporal' || type === 'temporal_ordered') {
    if (ops.length === 0) return rules;
  } else if (ops.length === 0) {
    at('condition', `${type} needs a condition such as { gte: 10 }`);
    return undefined;
  }
  if (ops.length !== 1 || (ops[0] !== 'gte' && ops[0] !== 'gt')) {
    at(
      'condition',
      `only "gte" and "gt" conditions can fire on a stream; got ${ops.join(' and ')} (a count below a bound is an absence: write a native absence rule)`,
    );
    return undefined;
  }
  const n = condition![ops[0]];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    at('condition', 'expected a whole number');
    return undefined;
  }
  const threshold = Math.max(1, ops[0] === 'gt' ? n + 1 : n);
  if (type === 'temporal_ordered' && threshold !== rules) {
    at('condition', 'temporal_ordered fires when every named rule matched in order; leave the condition out');
    return undefined;
  }
  return threshold;
}

function maxSeverity(bases: readonly SigmaBase[]): Severity {
  return bases.map((b) => b.severity).sort()[0] ?? 'SEV3';
}

function correlationSummary(
  type: string,
  title: string,
  groupBy: string[],
  vars: Readonly<Record<string, unknown>>,
): string {
  const group = groupBy.length > 0 ? ` for ${groupBy.join(', ')} = ${asText(vars.group)}` : '';
  switch (type) {
    case 'event_count':
      return `${title}: ${asText(vars.count)} matching events${group} within ${asText(vars.window)} (threshold ${asText(vars.threshold)}).`;
    case 'value_count':
      return `${title}: ${asText(vars.count)} distinct values (${asText(vars.values)})${group} within ${asText(vars.window)} (threshold ${asText(vars.threshold)}).`;
    case 'temporal':
      return `${title}: ${asText(vars.count)} of the correlated rules matched${group} within ${asText(vars.window)}.`;
    default:
      return `${title}: the correlated rules matched in order${group}, the first at ${asText(vars.begunAt)}, within ${asText(vars.window)}.`;
  }
}
