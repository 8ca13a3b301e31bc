import { ConfigError } from '@vigil/runtime';
import { describe, expect, it } from 'vitest';
import { parseSourcesConfig } from './source-config';

const env = { OKTA_HOOK_SECRET: 'a-long-enough-okta-secret' };

describe('sources config', () => {
  it('resolves secrets from the environment', () => {
    const [okta] = parseSourcesConfig(
      'sources:\n  okta:\n    format: okta-event-hook\n    auth: { type: header, header: Authorization, secretEnv: OKTA_HOOK_SECRET }\n',
      'sources.yaml',
      env,
    );
    expect(okta).toMatchObject({ name: 'okta', format: 'okta-event-hook', secret: env.OKTA_HOOK_SECRET, auth: { header: 'authorization' } });
  });

  it("reads an alertmanager source's service labels, and refuses one that is no label name", () => {
    const yaml = (labels: string) =>
      `sources:\n  am:\n    format: alertmanager\n    serviceLabels: ${labels}\n    auth: { type: bearer, secretEnv: OKTA_HOOK_SECRET }\n`;
    expect(parseSourcesConfig(yaml('[app, component]'), 'sources.yaml', env)[0]?.serviceLabels).toEqual(['app', 'component']);
    expect(() => parseSourcesConfig(yaml('["app name"]'), 'sources.yaml', env)).toThrow(
      /sources\.yaml: sources\.am\.serviceLabels\.0: a Prometheus label name/,
    );
  });

  it('names the file, source and field that are wrong, and never the secret', () => {
    const attempt = () =>
      parseSourcesConfig(
        'sources:\n  okta:\n    format: okta\n    auth: { type: header, header: authorization, secretEnv: OKTA_HOOK_SECRET }\n  gen:\n    format: generic\n    auth: { type: bearer, secretEnv: MISSING_SECRET }\n',
        'sources.yaml',
        env,
      );
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^sources\.yaml: sources\.okta\.format: /)]);
      expect((error as Error).message).not.toContain(env.OKTA_HOOK_SECRET);
    }
    expect(() =>
      parseSourcesConfig('sources:\n  gen:\n    format: generic\n    auth: { type: bearer, secretEnv: MISSING_SECRET }\n', 's.yaml', env),
    ).toThrow(/sources\.gen\.auth\.secretEnv: environment variable MISSING_SECRET is not set/);
  });
});
