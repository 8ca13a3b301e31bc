import { fileURLToPath } from 'node:url';
import { ConfigError } from '@vigil/runtime';
import { describe, expect, test } from 'vitest';
import { loadOwners, parseOwners, resolveOwner, UNOWNED_TEAM } from './owners';
import { sampleIncident, sampleOutage } from './testing/incident-samples';

const EXAMPLE = fileURLToPath(new URL('../../../config/owners.example.yaml', import.meta.url));

function problemsOf(text: string): string[] {
  try {
    parseOwners(text, 'owners.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('owners config', () => {
  test('the example file loads', () => {
    const config = loadOwners(EXAMPLE);
    expect(config.fallbackChannel).toBe('#soc-alerts');
    expect(config.owners.length).toBeGreaterThan(3);
  });

  test('errors name the file, the entry index and the field', () => {
    const problems = problemsOf(
      [
        'fallbackChannel: "#soc"',
        'owners:',
        '  - match: { rule: identity.brute-force }',
        '    team: security',
        '    channel: "#sec"',
        '  - match: { rule: x }',
        '    team: sre',
        '    channel: sre alerts',
        '  - match: {}',
        '    team: it',
        '    channel: "#it"',
        '    oncall: [bob]',
        '  - match: { service: checkout }',
        '    team: payments',
        '    chanel: "#pay"',
      ].join('\n'),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^owners\.yaml: owners\[1\]\.channel: expected a Slack channel/),
      expect.stringMatching(
        /^owners\.yaml: owners\[2\]\.match: give at least one of rule, service, source, ownerKey/,
      ),
      expect.stringMatching(/^owners\.yaml: owners\[2\]\.oncall\[0\]: expected a Slack user id/),
      expect.stringMatching(/^owners\.yaml: owners\[3\]\.channel: /),
      expect.stringMatching(/^owners\.yaml: owners\[3\]\.chanel: .*chanel/),
    ]);
  });

  test('escalation steps: user ids, whole minutes, increasing, at least one user', () => {
    const problems = problemsOf(
      [
        'fallbackChannel: "#soc"',
        'owners:',
        '  - match: { rule: a }',
        '    team: a',
        '    channel: "#a"',
        '    escalation:',
        '      - { afterMinutes: 30, users: [U0AAAAAA1] }',
        '      - { afterMinutes: 10, users: [U0AAAAAA2] }',
        '  - match: { rule: b }',
        '    team: b',
        '    channel: "#b"',
        '    escalation:',
        '      - { afterMinutes: -1, users: [alice] }',
        '      - { afterMinutes: 1.5, users: [] }',
        '      - { after: 5, users: [U0AAAAAA3] }',
      ].join('\n'),
    );
    expect(problems).toEqual([
      'owners.yaml: owners[0].escalation: afterMinutes must increase from one step to the next',
      'owners.yaml: owners[1].escalation[0].afterMinutes: must not be negative',
      expect.stringMatching(
        /^owners\.yaml: owners\[1\]\.escalation\[0\]\.users\[0\]: expected a Slack user id/,
      ),
      'owners.yaml: owners[1].escalation[1].afterMinutes: expected a whole number of minutes',
      'owners.yaml: owners[1].escalation[1].users: name at least one Slack user id',
      'owners.yaml: owners[1].escalation[2].afterMinutes: expected a whole number of minutes',
      expect.stringMatching(/^owners\.yaml: owners\[1\]\.escalation\[2\]\.after: /),
    ]);
  });

  test('a missing fallback channel and broken YAML are reported', () => {
    expect(problemsOf('owners: []')).toEqual([expect.stringMatching(/^owners\.yaml: fallbackChannel: /)]);
    expect(problemsOf('fallbackChannel: [unclosed')).toEqual([
      expect.stringMatching(/^owners\.yaml: not valid YAML: /),
    ]);
  });

  test('an unreadable file names the path', () => {
    expect(() => loadOwners('/nonexistent/owners.yaml')).toThrow(
      /\/nonexistent\/owners\.yaml: cannot read the owners file/,
    );
  });
});

describe('resolveOwner', () => {
  const config = parseOwners(
    [
      'fallbackChannel: "#soc"',
      'owners:',
      '  - match: { service: checkout }',
      '    team: payments',
      '    channel: "#pay"',
      '    oncall: [U0PAYONC1]',
      '    escalation:',
      '      - { afterMinutes: 0, users: [U0PAYLEAD] }',
      '      - { afterMinutes: 30, users: [U0PAYHEAD, U0CTO0001] }',
      '  - match: { rule: "identity.*", ownerKey: okta }',
      '    team: it',
      '    channel: "#it"',
      '  - match: { rule: "identity.*" }',
      '    team: security',
      '    channel: "#sec"',
    ].join('\n'),
    'owners.yaml',
  );

  test('a service entity matches its service entry, with on-call people and escalation chain', () => {
    expect(resolveOwner(config, sampleOutage())).toEqual({
      team: 'payments',
      channel: '#pay',
      oncall: ['U0PAYONC1'],
      escalation: [
        { afterMinutes: 0, users: ['U0PAYLEAD'] },
        { afterMinutes: 30, users: ['U0PAYHEAD', 'U0CTO0001'] },
      ],
    });
    expect(resolveOwner(config, sampleIncident()).escalation).toEqual([]);
  });

  test('every given field must match; the first matching entry wins', () => {
    expect(resolveOwner(config, sampleIncident({ ownerKey: 'okta' })).team).toBe('it');
    expect(resolveOwner(config, sampleIncident({ ownerKey: 'google' })).team).toBe('security');
  });

  test('nothing matched goes to the fallback channel', () => {
    const orphan = sampleIncident({ ruleId: 'logging.source-silent', ownerKey: 'backup-agent' });
    expect(resolveOwner(config, orphan)).toEqual({
      team: UNOWNED_TEAM,
      channel: '#soc',
      oncall: [],
      escalation: [],
    });
  });
});
