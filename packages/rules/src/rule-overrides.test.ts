import { ConfigError } from '@vigil/runtime';
import { describe, expect, it } from 'vitest';
import { catalog } from './catalog';
import { signIn } from './fixture-events';
import { applyOverrides } from './rule-overrides';

function problemsOf(overrides: unknown): string[] {
  try {
    applyOverrides(catalog, overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('applyOverrides', () => {
  it('without overrides returns the catalog at its defaults', () => {
    expect(applyOverrides(catalog, undefined)).toEqual(catalog);
    const params = new Map(applyOverrides(catalog, {}).map((r) => [r.id, r.params]));
    expect(params.get('identity.brute-force')).toEqual({
      threshold: 5,
      window: 600_000,
      allowedLateness: 300_000,
      maxEvidence: 50,
    });
    expect(params.get('availability.service-down')).toEqual({
      consecutiveFailures: 3,
      failingRegions: 2,
      regionWindow: 120_000,
      allowedLateness: 120_000,
    });
    expect(params.get('logging.source-silent')).toEqual({ sources: {}, grace: 60_000 });
  });

  it('replaces parameters over the defaults, severity and owner; drops disabled rules', () => {
    const rules = applyOverrides(catalog, {
      'identity.brute-force': {
        parameters: { threshold: 10, window: '30m' },
        severity: 'SEV1',
        owner: 'team-security',
      },
      'availability.service-down': { enabled: false },
    });
    expect(rules.map((r) => r.id)).toEqual(
      catalog.map((r) => r.id).filter((id) => id !== 'availability.service-down'),
    );
    const [bruteForce] = rules;
    expect(bruteForce?.params).toEqual({
      threshold: 10,
      window: 1_800_000,
      allowedLateness: 300_000,
      maxEvidence: 50,
    });
    expect(bruteForce?.severity).toBe('SEV1');
    expect(bruteForce?.ownerKey(signIn({ id: 'x', user: 'u', at: 0, outcome: 'failure' }))).toBe(
      'team-security',
    );
  });

  it('names the rule and the field of every problem, all at once', () => {
    expect(
      problemsOf({
        'identity.brute-force': { parameters: { threshold: 0, window: 'ten minutes', treshold: 3 } },
        'availability.service-down': { severity: 'SEV9', enabeld: true },
        'identity.brute-forse': {},
      }),
    ).toEqual([
      `rule identity.brute-forse: no such rule; known rules: ${catalog.map((r) => r.id).join(', ')}`,
      'rule identity.brute-force, parameters.threshold: Too small: expected number to be >=1',
      'rule identity.brute-force, parameters.window: expected a duration such as 90s, 10m, 1h, 2d, or a whole number of milliseconds, got "ten minutes"',
      'rule identity.brute-force, parameters: Unrecognized key: "treshold"',
      'rule availability.service-down, severity: Invalid option: expected one of "SEV1"|"SEV2"|"SEV3"|"SEV4"',
      'rule availability.service-down: Unrecognized key: "enabeld"',
    ]);
  });

  it('takes source intervals in seconds or as durations, and SLO conditions as durations', () => {
    const rules = applyOverrides(catalog, {
      'logging.source-silent': { parameters: { sources: { okta: 300, 'log-shipper': '2m' } } },
      'availability.slo-burn': {
        parameters: {
          targets: { checkout: 99.95 },
          conditions: [{ long: '1h', short: '5m', burnRate: 10, level: 'page' }],
        },
      },
    });
    const byId = new Map(rules.map((r) => [r.id, r.params]));
    expect(byId.get('logging.source-silent')).toMatchObject({
      sources: { okta: 300_000, 'log-shipper': 120_000 },
    });
    expect(byId.get('availability.slo-burn')).toMatchObject({
      targets: { checkout: 99.95 },
      conditions: [{ long: 3_600_000, short: 300_000, burnRate: 10, level: 'page' }],
    });
    expect(
      problemsOf({
        'logging.source-silent': { parameters: { sources: { Okta: 300, github: -1 } } },
        'availability.slo-burn': {
          parameters: { target: 100, conditions: [{ long: '90s', short: '5m', burnRate: 1, level: 'page' }] },
        },
      }),
    ).toEqual([
      expect.stringMatching(/^rule availability\.slo-burn, parameters\.target: /),
      expect.stringMatching(
        /^rule availability\.slo-burn, parameters\.conditions\.0\.long: burn-rate window 90000ms must be a whole number of minutes/,
      ),
      expect.stringMatching(
        /^rule availability\.slo-burn, parameters\.conditions\.0\.short: must be shorter than long/,
      ),
      expect.stringMatching(/^rule logging\.source-silent, parameters\.sources\.Okta: not a source name/),
      expect.stringMatching(
        /^rule logging\.source-silent, parameters\.sources\.github: expected a number of seconds/,
      ),
    ]);
  });

  it('rejects overrides that are not a map of rule ids', () => {
    expect(problemsOf(['identity.brute-force'])).toEqual([
      '(overrides): expected a map from rule id to its overrides',
    ]);
  });
});
