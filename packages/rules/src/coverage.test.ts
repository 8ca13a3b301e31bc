import { describe, expect, test } from '../../../test/fixtures/services';
import { catalog } from './catalog';
import { formatCoverage, ruleCoverage } from './coverage';
import { bruteForceRule } from './identity/brute-force.rule';
import { mfaRemovedRule } from './identity/mfa-removed.rule';
import type { Rule } from './rule';

describe('rule coverage (Redis)', () => {
  test('runs every fixture, tables rules and criteria, and leaves no keys behind', async ({ redis, uid }) => {
    const keyPrefix = `${uid}:coverage:`;
    const report = await ruleCoverage({
      redis,
      keyPrefix,
      rules: [bruteForceRule, mfaRemovedRule] as Rule[],
    });
    expect(report.passed).toBe(true);
    expect(report.rules).toEqual([
      {
        id: 'identity.brute-force',
        version: 1,
        severity: 'SEV2',
        criteria: ['CC7.2', 'CC7.3'],
        positive: { passed: 4, total: 4 },
        negative: { passed: 5, total: 5 },
      },
      {
        id: 'identity.mfa-removed',
        version: 1,
        severity: 'SEV3',
        criteria: ['CC7.2', 'CC6.1'],
        positive: { passed: 2, total: 2 },
        negative: { passed: 1, total: 1 },
      },
    ]);
    expect(report.criteria).toEqual([
      { criterion: 'A1.1', rules: [] },
      { criterion: 'A1.2', rules: [] },
      { criterion: 'A1.3', rules: [] },
      { criterion: 'CC6.1', rules: ['identity.mfa-removed'] },
      { criterion: 'CC7.2', rules: ['identity.brute-force', 'identity.mfa-removed'] },
      { criterion: 'CC7.3', rules: ['identity.brute-force'] },
      { criterion: 'CC7.4', rules: [] },
      { criterion: 'CC7.5', rules: [] },
    ]);
    expect(await redis.keys(`${keyPrefix}*`)).toEqual([]);

    const text = formatCoverage(report);
    expect(text).toContain('identity.brute-force  v1       SEV2      CC7.2 CC7.3  pass 4/4  pass 5/5');
    expect(text).toContain('A1.3       (none in this catalog)');
    expect(text).toContain('All 12 fixtures of 2 rules passed.');
  });

  test('a fixture that does not hold fails the report, with the reason', async ({ redis, uid }) => {
    const broken: Rule = {
      ...bruteForceRule,
      params: bruteForceRule.parameters.parse({ threshold: 50 }),
    } as Rule;
    const report = await ruleCoverage({ redis, keyPrefix: `${uid}:coverage:`, rules: [broken] });
    expect(report.passed).toBe(false);
    expect(report.rules[0]).toMatchObject({
      positive: { passed: 0, total: 4 },
      negative: { passed: 5, total: 5 },
    });
    const text = formatCoverage(report);
    expect(text).toContain('FAIL 0/4');
    expect(text).toContain(
      'identity.brute-force (positive) "the fifth failure within ten minutes fires, once for the burst":',
    );
    expect(text).toContain(
      'expected identity.brute-force:identity.brute-force:user:alice@example.com:okta:bf-a4, ' +
        'identity.brute-force:identity.brute-force:user:alice@example.com:okta:bf-a6:burst; got nothing',
    );
    expect(text).toContain('4 of 9 fixtures failed.');
  });

  test('the shipped catalog covers every criterion of the brief but CC7.5 (response rules)', async ({
    redis,
    uid,
  }) => {
    const report = await ruleCoverage({ redis, keyPrefix: `${uid}:coverage:`, rules: catalog });
    expect(report.fixtures.filter((f) => !f.passed)).toEqual([]);
    expect(report.criteria.filter((c) => c.rules.length === 0).map((c) => c.criterion)).toEqual(['CC7.5']);
  });
});
