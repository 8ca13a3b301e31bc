import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalog, signIn, type Rule } from '@vigil/rules';
import { ConfigError } from '@vigil/runtime';
import { describe, expect, it } from 'vitest';
import { loadRules } from './rules-file';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'vigil-rules-')), 'rules.yaml');
  writeFileSync(path, text);
  return path;
}

describe('loadRules', () => {
  it('refuses a NUL or a lone surrogate anywhere in the file, naming where: each detection would carry it and the register refuse it', () => {
    const refusal = (text: string) => {
      try {
        loadRules(file(text));
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const nul = refusal(
      'rules:\n  availability.commitment-breach: { parameters: { commitments: { "web\\0": 99.5 } } }\n',
    );
    expect(nul).toBeInstanceOf(ConfigError);
    expect((nul as ConfigError).problems).toEqual([
      expect.stringMatching(
        /rules\.yaml: rules\.availability\.commitment-breach\.parameters\.commitments\.web.: the key contains a NUL character/,
      ),
    ]);
    const surrogate = refusal('rules:\n  identity.brute-force: { owner: "soc\\ud800" }\n');
    expect((surrogate as ConfigError).problems).toEqual([
      expect.stringMatching(
        /rules\.identity\.brute-force\.owner: the string contains a lone UTF-16 surrogate/,
      ),
    ]);
  });

  it('loads the shipped example over the whole catalog', () => {
    const rules = loadRules('config/rules.example.yaml');
    expect(rules.map((r) => r.id)).toEqual(catalog.map((r) => r.id));
    const silent = rules.find((r) => r.id === 'logging.source-silent');
    expect(silent?.params).toMatchObject({ sources: { okta: 3_600_000, probes: 300_000 } });
  });

  it("stamps every rule with the configuration's hash; a detection names it with the parameters in force", async () => {
    const ten = loadRules(
      file('rules:\n  identity.mfa-removed: {}\n  identity.brute-force: { parameters: { threshold: 10 } }\n'),
    );
    const five = loadRules(
      file('rules:\n  identity.mfa-removed: {}\n  identity.brute-force: { parameters: { threshold: 5 } }\n'),
    );
    const hashOf = (rules: Rule[]) => rules.find((r) => r.id === 'identity.brute-force')?.rulesHash;
    expect(hashOf(ten)).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(ten.map((r) => r.rulesHash)).size).toBe(1);
    expect(hashOf(five)).not.toBe(hashOf(ten));
    const mfa = ten.find((r) => r.id === 'identity.mfa-removed');
    const event = signIn({ id: 'x', user: 'eve@example.com', at: 0, outcome: 'success' });
    const removal = {
      ...event,
      kind: 'account_change' as const,
      attributes: { 'vigil.change': 'mfa-removed' },
    };
    const verdict = await mfa?.evaluate(removal, {
      rule: mfa,
      params: mfa.params,
      position: { topic: 'vigil.events', partition: 0, offset: '1' },
      eventTimeMs: Date.parse(removal.time),
    } as never);
    expect(verdict?.detections[0]?.ruleConfig).toEqual({ parameters: mfa?.params, rulesHash: hashOf(ten) });
  });

  it('leaves a disabled rule out', () => {
    const rules = loadRules(file('rules:\n  identity.admin-granted: { enabled: false }\n'));
    expect(rules.map((r) => r.id)).not.toContain('identity.admin-granted');
  });

  it('names the file, the rule and the field that are wrong', () => {
    const path = file(
      'rules:\n  identity.brute-force:\n    parameters: { window: soon }\n  identity.nope: {}\n',
    );
    try {
      loadRules(path);
      expect.unreachable('the file is invalid');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain(`${path}: rule identity.brute-force, parameters.window`);
      expect(problems).toContain(`${path}: rule identity.nope: no such rule`);
    }
    expect(() => loadRules(file('identity.brute-force: {}\n'))).toThrow(/top-level "rules:" map/);
  });

  it('adds the rules of RULES_DIR, which the override file configures like built-in ones', () => {
    const overrides = file(
      'rules:\n  acme.console-failures-per-ip: { severity: SEV1, parameters: { threshold: 8 } }\n',
    );
    const rules = loadRules(overrides, {}, 'config/rules.d');
    expect(rules.map((r) => r.id)).toEqual(
      expect.arrayContaining([...catalog.map((r) => r.id), 'sigma.okta_policy_deactivated']),
    );
    const custom = rules.find((r) => r.id === 'acme.console-failures-per-ip');
    expect(custom).toMatchObject({ severity: 'SEV1', params: { threshold: 8, window: 600_000 } });
  });

  it('refuses a rules directory with an invalid rule, naming the file, the line and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-dir-'));
    writeFileSync(
      join(dir, 'bad.yaml'),
      'id: acme.bad\ntitle: t\ncriteria: [CC7.2]\nseverity: SEV9\nmatch: { kind: authentication }\n',
    );
    expect(() => loadRules(undefined, {}, dir)).toThrow(`${join(dir, 'bad.yaml')}:4: severity:`);
  });

  it("registers the sources file's expected intervals with the source-silent rule; the rules file wins per source", () => {
    const path = file('rules:\n  logging.source-silent:\n    parameters: { sources: { okta: 10m } }\n');
    const silent = loadRules(path, { okta: 60, 'log-shipper': 120 }).find(
      (r) => r.id === 'logging.source-silent',
    );
    expect(silent?.params).toMatchObject({ sources: { okta: 600_000, 'log-shipper': 120_000 } });
    const alone = loadRules(undefined, { cloudtrail: 3600 }).find((r) => r.id === 'logging.source-silent');
    expect(alone?.params).toMatchObject({ sources: { cloudtrail: 3_600_000 } });
  });

  it('takes commitments and SLO targets from the services file; the rules file may repeat them only where they agree (deprecated)', () => {
    const services = {
      services: [
        { id: 'checkout', name: 'Checkout', owner: null, commitment: 99.9, slo: 99.95, minimumCoverage: 90 },
        { id: 'search', name: 'Search', owner: null, commitment: 99, slo: null, minimumCoverage: 90 },
      ],
    };
    const rules = loadRules('config/rules.example.yaml', {}, undefined, services);
    expect(rules.find((r) => r.id === 'availability.commitment-breach')?.params).toMatchObject({
      commitments: { checkout: 99.9, search: 99 },
    });
    expect(rules.find((r) => r.id === 'availability.slo-burn')?.params).toMatchObject({
      targets: { checkout: 99.95, search: 99 },
    });
    // A value that differs from the services file is refused: the rule and the report would disagree.
    const both = file('rules:\n  availability.slo-burn:\n    parameters: { targets: { checkout: 99.5 } }\n');
    expect(() => loadRules(both, {}, undefined, services)).toThrow(
      /rule availability.slo-burn, parameters.targets.checkout: 99.5 differs from SERVICES_FILE \(99.95\)/,
    );
    // One that agrees, or names a service the file does not list, still works, with a deprecation warning.
    const warnings: string[] = [];
    const older = file(
      'rules:\n  availability.commitment-breach:\n    parameters: { commitment: 99.5, commitments: { checkout: 99.9, legacy: 98 } }\n',
    );
    const kept = loadRules(older, {}, undefined, services, (m) => warnings.push(m));
    expect(kept.find((r) => r.id === 'availability.commitment-breach')?.params).toMatchObject({
      commitment: 99.5,
      commitments: { checkout: 99.9, search: 99, legacy: 98 },
    });
    expect(warnings).toEqual([
      expect.stringMatching(/parameters.commitment: deprecated when SERVICES_FILE is given/),
      expect.stringMatching(/parameters.commitments: deprecated when SERVICES_FILE is given/),
    ]);
    expect(
      loadRules(undefined, {}, undefined, services).find((r) => r.id === 'availability.commitment-breach')
        ?.params,
    ).toMatchObject({
      commitments: { checkout: 99.9 },
    });
  });
});
