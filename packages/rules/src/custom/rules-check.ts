import type { Redis } from 'ioredis';
import { runFixture } from '../fixture-runner';
import type { Rule } from '../rule';

export interface RuleTestOutcome {
  ruleId: string;
  file: string;
  /** One entry per inline test, in order. */
  tests: Array<{ name: string; problems: string[] }>;
  passed: boolean;
}

/**
 * Runs every inline test of every rule against Redis (under `keyPrefix`, one sub-prefix per test),
 * with the catalog's runner: each batch redelivered, each timer tick raced and retried.
 */
export async function runRuleTests(
  rules: readonly Rule[],
  fileOf: ReadonlyMap<string, string>,
  options: { redis: Redis; keyPrefix: string },
): Promise<RuleTestOutcome[]> {
  const outcomes: RuleTestOutcome[] = [];
  let n = 0;
  for (const rule of rules) {
    const tests: RuleTestOutcome['tests'] = [];
    for (const fixture of [...rule.fixtures.positive, ...rule.fixtures.negative]) {
      const run = await runFixture(rule, fixture, {
        redis: options.redis,
        keyPrefix: `${options.keyPrefix}${n++}:`,
      });
      tests.push({ name: fixture.name, problems: run.problems });
    }
    outcomes.push({
      ruleId: rule.id,
      file: fileOf.get(rule.id) ?? '',
      tests,
      passed: tests.every((t) => t.problems.length === 0),
    });
  }
  return outcomes;
}

/** The report `rules test` prints: one line per rule, failures with their reasons, a total. */
export function formatRuleTests(outcomes: readonly RuleTestOutcome[]): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    const status = o.tests.length === 0 ? 'NO TESTS' : o.passed ? 'PASS' : 'FAIL';
    lines.push(`${status.padEnd(8)} ${o.ruleId}  (${o.tests.length} tests, ${o.file})`);
    for (const t of o.tests) for (const problem of t.problems) lines.push(`         - ${t.name}: ${problem}`);
  }
  const failed = outcomes.filter((o) => !o.passed).length;
  const untested = outcomes.filter((o) => o.tests.length === 0).length;
  lines.push(`${outcomes.length} rules, ${failed} failed, ${untested} without tests`);
  return `${lines.join('\n')}\n`;
}
