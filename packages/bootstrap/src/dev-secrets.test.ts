import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { devSecretsInUse, PUBLIC_DEV_SECRETS } from './dev-secrets';

const devEnv = Object.fromEntries(
  readFileSync(new URL('../../../config/dev.env', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

describe('public development secrets', () => {
  it('every secret of config/dev.env is known, so a production process refuses each', () => {
    const secrets = Object.entries(devEnv).filter(([name]) => !name.endsWith('_FILE'));
    expect(devSecretsInUse(Object.fromEntries(secrets)).sort()).toEqual(secrets.map(([name]) => name).sort());
    expect(PUBLIC_DEV_SECRETS.length).toBe(secrets.length);
  });

  it('leaves secrets of the operator’s own alone', () => {
    expect(devSecretsInUse({ API_TOKENS: `ops:admin:${'ab'.repeat(32)}`, VIGIL_PROBES_TOKEN: 'x'.repeat(40) })).toEqual([]);
  });
});
