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
    expect(applyOverrides(catalog, {}).map((r) => r.params)).toEqual([
      { threshold: 5, window: 600_000, allowedLateness: 300_000, maxEvidence: 50 },
      { consecutiveFailures: 3, allowedLateness: 120_000 },
    ]);
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
    expect(rules.map((r) => r.id)).toEqual(['identity.brute-force']);
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
      'rule identity.brute-forse: no such rule; known rules: identity.brute-force, availability.service-down',
      'rule identity.brute-force, parameters.threshold: Too small: expected number to be >=1',
      'rule identity.brute-force, parameters.window: expected a duration such as 90s, 10m, 1h, 2d, or a whole number of milliseconds, got "ten minutes"',
      'rule identity.brute-force, parameters: Unrecognized key: "treshold"',
      'rule availability.service-down, severity: Invalid option: expected one of "SEV1"|"SEV2"|"SEV3"|"SEV4"',
      'rule availability.service-down: Unrecognized key: "enabeld"',
    ]);
  });

  it('rejects overrides that are not a map of rule ids', () => {
    expect(problemsOf(['identity.brute-force'])).toEqual([
      '(overrides): expected a map from rule id to its overrides',
    ]);
  });
});
