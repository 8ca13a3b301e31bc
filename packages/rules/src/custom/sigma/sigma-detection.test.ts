import { describe, expect, it } from 'vitest';
import { Problems, parseRuleFile } from '../rule-source';
import { compileSigmaDetection } from './sigma-detection';
import { sigmaLogsource, type SigmaLogsource } from './sigma-logsource';

function detection(yaml: string, product = 'okta'): (raw: unknown) => boolean {
  const problems = new Problems();
  const [doc] = parseRuleFile('t.yml', yaml, problems);
  const logsource = sigmaLogsource({
    product,
    ...(product === 'gcp' ? { service: 'google_workspace.admin' } : {}),
  });
  const predicate = compileSigmaDetection(
    doc!,
    (doc!.value as { detection: unknown }).detection,
    logsource as SigmaLogsource,
    problems,
  );
  expect(problems.list).toEqual([]);
  return predicate;
}

const oktaEvent = {
  uuid: 'u1',
  eventType: 'user.account.privilege.grant',
  displayMessage: 'Grant user privilege',
  outcome: { result: 'SUCCESS' },
  actor: { alternateId: 'Admin@Example.com', type: 'User' },
  client: { ipAddress: '10.20.30.40', userAgent: { rawUserAgent: 'Mozilla/5.0 (X11; Linux x86_64)' } },
  target: [
    { type: 'User', alternateId: 'eve@example.com' },
    { type: 'ROLE', displayName: 'Super administrator' },
  ],
};

describe('Sigma detection on raw payloads', () => {
  it('reads SigmaHQ lower-case Okta field names and compares values case-insensitively', () => {
    expect(
      detection('detection: { s: { eventtype: USER.ACCOUNT.PRIVILEGE.GRANT }, condition: s }')(oktaEvent),
    ).toBe(true);
    expect(
      detection('detection: { s: { actor.alternateid: admin@example.com }, condition: s }')(oktaEvent),
    ).toBe(true);
    expect(
      detection('detection: { s: { actor.alternateid|cased: admin@example.com }, condition: s }')(oktaEvent),
    ).toBe(false);
  });

  it('applies contains, startswith, endswith, wildcards, all, re, cidr and exists', () => {
    const t = (selection: string) => detection(`detection: { s: ${selection}, condition: s }`)(oktaEvent);
    expect(t('{ displaymessage|contains: user priv }')).toBe(true);
    expect(t('{ eventtype|startswith: user.account. }')).toBe(true);
    expect(t('{ eventtype|endswith: .revoke }')).toBe(false);
    expect(t('{ eventtype: "user.*.grant" }')).toBe(true);
    expect(t('{ eventtype: "user.?ccount.privilege.grant" }')).toBe(true);
    // A list is any of; with |all every value must match.
    expect(t('{ client.useragent.rawuseragent|contains: [Windows, Linux] }')).toBe(true);
    expect(t('{ client.useragent.rawuseragent|contains|all: [Windows, Linux] }')).toBe(false);
    expect(t('{ client.useragent.rawuseragent|contains|all: [X11, Linux] }')).toBe(true);
    expect(t('{ eventtype|re: "^user\\\\.account\\\\.privilege\\\\.(grant|revoke)$" }')).toBe(true);
    expect(t('{ eventtype|re: "^USER" }')).toBe(false);
    expect(t('{ eventtype|re|i: "^USER" }')).toBe(true);
    expect(t('{ client.ipaddress|cidr: 10.0.0.0/8 }')).toBe(true);
    expect(t('{ client.ipaddress|cidr: 192.168.0.0/16 }')).toBe(false);
    // Arrays are searched through: any target of the event.
    expect(t('{ target.displayname|contains: administrator }')).toBe(true);
    expect(t('{ debugcontext|exists: true }')).toBe(false);
    expect(t('{ debugcontext|exists: false }')).toBe(true);
    expect(t('{ debugcontext: null }')).toBe(true);
  });

  it('evaluates conditions: and, or, not, parentheses, 1 of, all of, them', () => {
    const sections = [
      'detection:',
      '  sel_grant: { eventtype|endswith: .grant }',
      '  sel_admin: { target.displayname|contains: admin }',
      '  filter_ip: { client.ipaddress|cidr: 10.0.0.0/8 }',
      '  filter_bot: { actor.type: SystemPrincipal }',
    ].join('\n');
    const t = (condition: string) => detection(`${sections}\n  condition: ${condition}`)(oktaEvent);
    expect(t('all of sel_* and not 1 of filter_*')).toBe(false);
    expect(t('all of sel_* and not filter_bot')).toBe(true);
    expect(t('sel_grant and (filter_bot or filter_ip)')).toBe(true);
    expect(t('sel_grant and not (filter_bot or filter_ip)')).toBe(false);
    expect(t('1 of them')).toBe(true);
    expect(t('all of them')).toBe(false);
    expect(t('not sel_grant or sel_admin and filter_bot')).toBe(false);
  });

  it('reads Google Workspace activities with the field names of the Cloud Logging rules', () => {
    const activity = {
      kind: 'admin#reports#activity',
      id: { time: '2026-11-02T10:00:00Z', uniqueQualifier: '1', applicationName: 'admin', customerId: 'C01' },
      actor: { email: 'admin@example.com' },
      events: [
        {
          type: 'DELEGATED_ADMIN_SETTINGS',
          name: 'ASSIGN_ROLE',
          parameters: [{ name: 'ROLE_NAME', value: '_SEED_ADMIN_ROLE' }],
        },
      ],
    };
    const t = (selection: string) =>
      detection(`detection: { s: ${selection}, condition: s }`, 'gcp')(activity);
    expect(t('{ eventService: admin.googleapis.com, eventName: ASSIGN_ROLE }')).toBe(true);
    expect(t('{ eventName: CHANGE_TWO_STEP_VERIFICATION_ENFORCEMENT }')).toBe(false);
    expect(t('{ role_name|contains: seed_admin }')).toBe(true);
  });
});
