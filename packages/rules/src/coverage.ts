import type { Redis } from 'ioredis';
import { runFixture } from './fixture-runner';
import type { Rule } from './rule';

/** The criteria the design brief maps Vigil to: listed even when no rule here covers them. */
export const BRIEF_CRITERIA = ['A1.1', 'A1.2', 'A1.3', 'CC7.2', 'CC7.3', 'CC7.4', 'CC7.5'] as const;

export interface FixtureOutcome {
  ruleId: string;
  kind: 'positive' | 'negative';
  name: string;
  passed: boolean;
  problems: string[];
}

export interface RuleCoverage {
  id: string;
  version: number;
  severity: string;
  criteria: string[];
  positive: { passed: number; total: number };
  negative: { passed: number; total: number };
}

export interface CoverageReport {
  rules: RuleCoverage[];
  fixtures: FixtureOutcome[];
  /** Each criterion (the brief's and every rule's) with the rules that cover it; none is a gap. */
  criteria: Array<{ criterion: string; rules: string[] }>;
  /** True when every fixture passed. */
  passed: boolean;
}

/**
 * Runs every rule's positive and negative fixtures against Redis, each under its own key prefix
 * below `keyPrefix`, and removes every key under `keyPrefix` afterwards (also when it fails).
 */
export async function ruleCoverage(options: {
  redis: Redis;
  keyPrefix: string;
  rules: readonly Rule[];
}): Promise<CoverageReport> {
  const { redis, keyPrefix, rules } = options;
  const fixtures: FixtureOutcome[] = [];
  let n = 0;
  try {
    for (const rule of rules) {
      for (const kind of ['positive', 'negative'] as const) {
        for (const fixture of rule.fixtures[kind]) {
          let problems: string[];
          try {
            problems = (await runFixture(rule, fixture, { redis, keyPrefix: `${keyPrefix}f${n++}:` }))
              .problems;
          } catch (error) {
            problems = [`failed to run: ${error instanceof Error ? error.message : String(error)}`];
          }
          fixtures.push({
            ruleId: rule.id,
            kind,
            name: fixture.name,
            passed: problems.length === 0,
            problems,
          });
        }
      }
    }
  } finally {
    await deleteKeys(redis, keyPrefix);
  }

  const tally = (id: string, kind: FixtureOutcome['kind']) => {
    const mine = fixtures.filter((f) => f.ruleId === id && f.kind === kind);
    return { passed: mine.filter((f) => f.passed).length, total: mine.length };
  };
  const criteria = new Map<string, string[]>(BRIEF_CRITERIA.map((c) => [c, []]));
  for (const rule of rules) {
    for (const criterion of rule.criteria)
      criteria.set(criterion, [...(criteria.get(criterion) ?? []), rule.id]);
  }
  return {
    rules: rules.map((rule) => ({
      id: rule.id,
      version: rule.version,
      severity: rule.severity,
      criteria: [...rule.criteria],
      positive: tally(rule.id, 'positive'),
      negative: tally(rule.id, 'negative'),
    })),
    fixtures,
    criteria: [...criteria.entries()]
      .sort(([a], [b]) => compareCriteria(a, b))
      .map(([criterion, ids]) => ({ criterion, rules: ids })),
    passed: fixtures.every((f) => f.passed),
  };
}

/** `A1.2` before `CC6.1` before `CC7.2` before `CC7.10`. */
function compareCriteria(a: string, b: string): number {
  const parse = (c: string) => {
    const match = /^([A-Z]+)(\d+)\.(\d+)$/.exec(c);
    return match ? ([match[1] ?? '', Number(match[2]), Number(match[3])] as const) : ([c, 0, 0] as const);
  };
  const [pa, ma, na] = parse(a);
  const [pb, mb, nb] = parse(b);
  return pa.localeCompare(pb) || ma - mb || na - nb;
}

async function deleteKeys(redis: Redis, keyPrefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(keyPrefix)}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const mark = (t: { passed: number; total: number }) =>
  `${t.passed === t.total ? 'pass' : 'FAIL'} ${t.passed}/${t.total}`;

/** The report as text: the rule table, any failures with their reasons, and the criteria table. */
export function formatCoverage(report: CoverageReport): string {
  const parts: string[] = [];
  parts.push(
    table(
      ['rule', 'version', 'severity', 'criteria', 'positive', 'negative'],
      report.rules.map((r) => [
        r.id,
        `v${r.version}`,
        r.severity,
        r.criteria.join(' '),
        mark(r.positive),
        mark(r.negative),
      ]),
    ),
  );
  const failed = report.fixtures.filter((f) => !f.passed);
  if (failed.length > 0) {
    parts.push(
      [
        'Failed fixtures:',
        ...failed.map((f) => `  ${f.ruleId} (${f.kind}) "${f.name}":\n    ${f.problems.join('\n    ')}`),
      ].join('\n'),
    );
  }
  parts.push(
    table(
      ['criterion', 'rules'],
      report.criteria.map((c) => [
        c.criterion,
        c.rules.length > 0 ? c.rules.join(', ') : '(none in this catalog)',
      ]),
    ),
  );
  const total = report.fixtures.length;
  parts.push(
    report.passed
      ? `All ${total} fixtures of ${report.rules.length} rules passed.`
      : `${failed.length} of ${total} fixtures failed.`,
  );
  return `${parts.join('\n\n')}\n`;
}
