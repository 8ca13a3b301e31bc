import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@vigil/runtime';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { catalog } from '../catalog';
import { runRuleTests } from './rules-check';
import { loadRulesDirectory } from './rules-directory';

function directory(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-d-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function problemsOf(files: Record<string, string>): string[] {
  const dir = directory(files);
  try {
    loadRulesDirectory(dir);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.replace(`${dir}/`, ''));
    throw error;
  }
  return [];
}

describe('rules directory', () => {
  test('a NUL or a lone surrogate in a rule file is refused with the file and the place, not carried into detections', () => {
    expect(
      problemsOf({
        'nul.yaml': 'id: acme.nul\ntitle: "bad\\0title"\n',
        'surrogate.yml': 'title: ok\nmatch: { "actor.user\\udc00": x }\n',
      }),
    ).toEqual([
      expect.stringMatching(/^nul\.yaml: title: the string contains a NUL character/),
      expect.stringMatching(/^surrogate\.yml: match\.actor\.user.: the key contains a lone UTF-16 surrogate/),
    ]);
  });

  test('the shipped examples load beside the catalog and every inline test passes', async ({
    redis,
    uid,
  }) => {
    const loaded = loadRulesDirectory(
      'config/rules.d',
      catalog.map((r) => r.id),
    );
    expect(loaded.rules.map((r) => r.id).sort()).toEqual([
      'acme.console-failures-per-ip',
      'acme.new-user-made-admin',
      'acme.okta-sign-ins-quiet',
      'sigma.aws_access_denied_burst',
      'sigma.okta_policy_deactivated',
    ]);
    // The detection rule a correlation names does not fire on its own (Sigma's generate: false).
    expect(loaded.rules.map((r) => r.id)).not.toContain('sigma.aws_access_denied');
    expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
    const outcomes = await runRuleTests(loaded.rules, loaded.fileOf, { redis, keyPrefix: `${uid}:` });
    for (const outcome of outcomes) expect(outcome.tests, outcome.ruleId).not.toHaveLength(0);
    expect(outcomes.flatMap((o) => o.tests.flatMap((t) => t.problems))).toEqual([]);
  });

  test('a failing inline test is reported with the rule, the test and what differed', async ({
    redis,
    uid,
  }) => {
    const dir = directory({
      'r.yaml': [
        'id: acme.mfa-off',
        'title: MFA off',
        'criteria: [CC6.1]',
        'severity: SEV3',
        'match: { attributes.vigil.change: mfa-removed }',
        'tests:',
        '  - name: wrongly expects nothing',
        '    events: [{ id: e1, kind: account_change, attributes: { vigil.change: mfa-removed } }]',
        '    expect: []',
      ].join('\n'),
    });
    const loaded = loadRulesDirectory(dir);
    const [outcome] = await runRuleTests(loaded.rules, loaded.fileOf, { redis, keyPrefix: `${uid}:` });
    expect(outcome?.passed).toBe(false);
    expect(outcome?.tests[0]?.problems.join()).toContain(
      'expected no detections; got acme.mfa-off:acme.mfa-off:user:someone:e1',
    );
  });

  test('Sigma value_count and temporal correlations run on the distinct-count primitive', async ({
    redis,
    uid,
  }) => {
    const okta = (id: string, at: string, type: string, user: string, ip: string, result = 'FAILURE') =>
      `      - { id: ${id}, at: ${at}, source: okta, kind: authentication, raw: { uuid: ${id}, eventType: ${type}, outcome: { result: ${result} }, actor: { alternateId: ${user} }, client: { ipAddress: ${ip} } } }`;
    const dir = directory({
      'spray.yml': [
        'title: Okta sign-in failures for many users from one address',
        'name: okta_spray',
        'correlation:',
        '  type: value_count',
        '  rules: [okta_failed_sign_in]',
        '  group-by: [client.ipAddress]',
        '  timespan: 15m',
        '  condition: { field: actor.alternateId, gte: 3 }',
        'level: high',
        'tests:',
        '  - name: three users from one address',
        '    events:',
        okta('o1', '0s', 'user.session.start', 'a@x.io', '192.0.2.9'),
        okta('o2', '1m', 'user.session.start', 'A@x.io', '192.0.2.9'),
        okta('o3', '2m', 'user.session.start', 'b@x.io', '192.0.2.9'),
        okta('o4', '3m', 'user.session.start', 'c@x.io', '192.0.2.9'),
        '    expect: [{ trigger: o4, attributes: { count: 3 } }]',
        '---',
        'title: Okta sign-in failed',
        'name: okta_failed_sign_in',
        'logsource: { product: okta, service: okta }',
        'detection:',
        '  selection: { eventtype: user.session.start, outcome.result: failure }',
        '  condition: selection',
        '---',
        'title: Okta factor reset then new admin session',
        'name: okta_reset_then_admin',
        'correlation:',
        '  type: temporal',
        '  rules: [okta_factor_reset, okta_admin_app]',
        '  group-by: [actor.alternateId]',
        '  timespan: 30m',
        'tests:',
        '  - name: both within the half hour, in either order',
        '    events:',
        okta('t1', '0s', 'user.session.access_admin_app', 'd@x.io', '192.0.2.1', 'SUCCESS'),
        okta('t2', '10m', 'user.mfa.factor.reset_all', 'd@x.io', '192.0.2.1', 'SUCCESS'),
        '    expect: [{ trigger: t2 }]',
        '  - name: an hour apart is not proximity',
        '    events:',
        okta('t3', '0s', 'user.session.access_admin_app', 'e@x.io', '192.0.2.1', 'SUCCESS'),
        okta('t4', '60m', 'user.mfa.factor.reset_all', 'e@x.io', '192.0.2.1', 'SUCCESS'),
        '    expect: []',
        '---',
        'title: factor reset',
        'name: okta_factor_reset',
        'logsource: { product: okta }',
        'detection: { sel: { eventtype|startswith: user.mfa.factor.reset }, condition: sel }',
        '---',
        'title: admin app',
        'name: okta_admin_app',
        'logsource: { product: okta }',
        'detection: { sel: { eventtype|endswith: .access_admin_app }, condition: sel }',
      ].join('\n'),
    });
    const loaded = loadRulesDirectory(dir);
    expect(loaded.rules.map((r) => r.id)).toEqual(['sigma.okta_spray', 'sigma.okta_reset_then_admin']);
    const outcomes = await runRuleTests(loaded.rules, loaded.fileOf, { redis, keyPrefix: `${uid}:` });
    expect(outcomes.flatMap((o) => o.tests.flatMap((t) => t.problems))).toEqual([]);
    expect(outcomes.map((o) => o.tests.length)).toEqual([1, 2]);
  });
});

describe('refused at load time, with the file, the line and the feature', () => {
  test('unsupported Sigma features', () => {
    expect(
      problemsOf({
        'a.yml': [
          'title: a',
          'logsource: { product: okta }',
          'detection:',
          '  sel:',
          '    eventtype|base64offset|contains: abc',
          '  words:',
          '    - mimikatz',
          '  condition: sel or words | count() > 5',
        ].join('\n'),
        'b.yml': [
          'title: b',
          'logsource: { product: windows, service: security }',
          'detection: { s: { EventID: 1 }, condition: s }',
        ].join('\n'),
        'c.yml': [
          'title: c',
          'correlation:',
          '  type: event_count',
          '  rules: [d_rule]',
          '  group-by: [actor.id]',
          '  timespan: 1h',
          '  aliases: { x: { d_rule: actor.id } }',
          '  condition: { lt: 3 }',
          '---',
          'title: d',
          'name: d_rule',
          'logsource: { product: github }',
          'detection: { s: { action: repo.destroy }, condition: s }',
          '---',
          'title: e',
          'correlation: { type: temporal_ordered, rules: [c_missing, d_rule, d_rule], group-by: [actor], timespan: 1h }',
        ].join('\n'),
      }),
    ).toEqual([
      'a.yml:5: detection.sel.eventtype|base64offset|contains: the "base64offset" modifier (base64offset encoding) is not supported',
      'a.yml:6: detection.words: keyword searches (values without a field name) are not supported; name the field',
      'a.yml:8: detection.condition: aggregations after "|" (count() ..., near) are not supported; use a correlation rule',
      'b.yml:2: logsource: logsource product "windows" service "security" is not one Vigil ingests; supported: okta, aws/cloudtrail, github/audit, gcp/google_workspace.<application>, google_workspace',
      'c.yml:7: correlation.aliases: field name aliases are not supported; group by a field every named rule has',
      'c.yml:8: correlation.condition: only "gte" and "gt" conditions can fire on a stream; got lt (a count below a bound is an absence: write a native absence rule)',
      'c.yml:16: correlation.rules.0: no Sigma detection rule in the rules directory has the name or id "c_missing"',
      'c.yml:16: correlation.rules: temporal_ordered is supported for exactly two rules (the first, then the second)',
    ]);
  });

  test('native rule mistakes', () => {
    expect(
      problemsOf({
        'n.yaml': [
          'id: acme.thing',
          'title: t',
          'criteria: [CC7.2]',
          'severity: SEV2',
          'match:',
          '  kind: authentication',
          '  actor.email: x',
          '  outcome: { startsWith: f, near: 3 }',
          'count: { window: 10m, threshold: 3, groupBy: [actor.ipaddress] }',
          'absence: { window: 1h }',
          'output: { title: "{{nope}}" }',
        ].join('\n'),
      }),
    ).toEqual([
      expect.stringMatching(
        /^n\.yaml:7: match\.actor\.email: unknown field "actor\.email"; expected a field of the normalised event/,
      ),
      'n.yaml:8: match.outcome.near: unknown operator "near"; expected one of equals, in, startsWith, endsWith, contains, regex, gt, gte, lt, lte, exists, ignoreCase',
      'n.yaml:10: absence: a rule takes at most one stateful step; it has count and absence',
      expect.stringMatching(/^n\.yaml:9: count\.groupBy\.0: unknown field "actor\.ipaddress"/),
      expect.stringMatching(/^n\.yaml:11: output\.title: unknown placeholder \{\{nope\}\}/),
    ]);
    expect(
      problemsOf({
        'dup.yaml':
          'id: identity.brute-force\ntitle: t\ncriteria: [CC7.2]\nseverity: SEV2\nmatch: { kind: authentication }\n',
      }),
    ).toEqual([]);
    const dir = directory({
      'dup.yaml':
        'id: identity.brute-force\ntitle: t\ncriteria: [CC7.2]\nseverity: SEV2\nmatch: { kind: authentication }\n',
    });
    expect(() =>
      loadRulesDirectory(
        dir,
        catalog.map((r) => r.id),
      ),
    ).toThrow(/dup\.yaml:1: rule id identity\.brute-force is already used by the built-in catalog/);
  });
});
