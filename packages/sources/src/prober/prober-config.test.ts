import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@vigil/runtime';
import { describe, expect, it } from 'vitest';
import { loadProberConfig, parseProberConfig } from './prober-config';

function problems(yaml: string): string[] {
  try {
    parseProberConfig(yaml, 'prober.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('prober config', () => {
  it('loads the documented example with durations in milliseconds and defaults applied', () => {
    const checks = loadProberConfig(fileURLToPath(new URL('./prober.example.yaml', import.meta.url)));
    expect(checks).toEqual([
      {
        name: 'checkout-api-health',
        service: 'checkout-api',
        type: 'http',
        url: 'https://checkout.example.com/healthz',
        method: 'GET',
        intervalMs: 30_000,
        timeoutMs: 5_000,
        expectStatus: [200, 204],
        bodyContains: '"status":"ok"',
        latencyBudgetMs: 800,
        tlsMinDaysLeft: 14,
      },
      {
        name: 'status-page',
        service: 'status-page',
        type: 'http',
        url: 'http://status.internal.example.com/',
        method: 'GET',
        regions: ['eu-west-1', 'us-east-1'],
        intervalMs: 60_000,
        timeoutMs: 10_000,
        bodyMatches: '^<!doctype html>',
      },
      {
        name: 'db-main-port',
        service: 'db-main',
        type: 'tcp',
        host: 'db-main.internal.example.com',
        port: 5432,
        intervalMs: 60_000,
        timeoutMs: 3_000,
        latencyBudgetMs: 200,
      },
    ]);
  });

  it('names the file, the check and the field in every error', () => {
    const yaml = [
      'checks:',
      '  - { name: api, service: api, type: http, url: "ftp://x", expect: { status: 999 } }',
      '  - { name: db, service: db, type: tcp, host: db, port: 70000, interval: 10s, timeout: 30s }',
      '  - { name: api, service: api2, type: smtp }',
      '  - { name: web, service: web, type: http, url: "http://web", interval: soon, expect: { tlsMinDaysLeft: 7, bodyMatches: "(" } }',
    ].join('\n');
    const found = problems(yaml);
    expect(found).toEqual(
      expect.arrayContaining([
        'prober.yaml: checks[0] (api).url: expected an http:// or https:// URL',
        expect.stringMatching(/^prober\.yaml: checks\[0\] \(api\)\.expect\.status: /),
        expect.stringMatching(/^prober\.yaml: checks\[1\] \(db\)\.port: /),
        'prober.yaml: checks[2] (api).type: expected type: http or type: tcp',
        'prober.yaml: checks[3] (web).interval: expected a duration like 500ms, 30s, 5m or 1h',
      ]),
    );
  });

  it('refuses overlapping runs, duplicate names, bad regular expressions and TLS settings on http://', () => {
    const found = problems(
      [
        'checks:',
        '  - { name: db, service: db, type: tcp, host: db, port: 5432, interval: 10s, timeout: 30s }',
        '  - { name: db, service: db, type: tcp, host: db, port: 5433 }',
        '  - { name: web, service: web, type: http, url: "http://web", expect: { tlsMinDaysLeft: 7, bodyMatches: "(" } }',
      ].join('\n'),
    );
    expect(found).toEqual([
      'prober.yaml: checks[0] (db).timeout: must be shorter than interval, so runs of one check never overlap',
      'prober.yaml: checks[1] (db).name: "db" is used by another check',
      expect.stringMatching(/^prober\.yaml: checks\[2\] \(web\)\.expect\.bodyMatches: not a valid regular expression: /),
      'prober.yaml: checks[2] (web).expect.tlsMinDaysLeft: needs an https:// url',
    ]);
  });

  it('refuses unknown fields (a typo must not pass silently) and an empty file', () => {
    expect(problems('checks:\n  - { name: a, service: a, type: tcp, host: h, port: 1, intervall: 5s }')).toEqual([
      expect.stringMatching(/^prober\.yaml: checks\[0\] \(a\): Unrecognized key: "intervall"/),
    ]);
    expect(problems('checks: []')).toEqual(['prober.yaml: checks: list at least one check']);
    expect(problems('checks: [')[0]).toMatch(/^prober\.yaml: not valid YAML/);
  });

  it('reads tlsCaFile relative to the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-prober-'));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'prober.yaml'), 'checks:\n  - { name: a, service: a, type: http, url: "https://a", tlsCaFile: ca.pem }\n');
    expect(loadProberConfig(join(dir, 'prober.yaml'))[0]).toMatchObject({ tlsCa: expect.stringContaining('BEGIN CERTIFICATE') });
    writeFileSync(join(dir, 'prober.yaml'), 'checks:\n  - { name: a, service: a, type: http, url: "https://a", tlsCaFile: missing.pem }\n');
    expect(() => loadProberConfig(join(dir, 'prober.yaml'))).toThrow(/checks\[0\] \(a\)\.tlsCaFile: cannot read missing\.pem/);
  });
});
