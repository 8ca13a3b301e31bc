import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseVendorsConfig, vendorOfEvent } from './vendors-file';

const example = readFileSync(fileURLToPath(new URL('../../../../config/vendors.example.yaml', import.meta.url)), 'utf8');

function problems(text: string): string[] {
  try {
    parseVendorsConfig(text, 'vendors.yaml');
    return [];
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
}

describe('vendors file', () => {
  it('reads the Cloudflare example: its four CUECs from the public list, with their criteria and monitors', () => {
    const config = parseVendorsConfig(example, 'vendors.example.yaml');
    const cloudflare = config.vendors[0]!;
    expect(cloudflare).toMatchObject({ id: 'cloudflare', name: 'Cloudflare', sources: ['cloudflare', 'cloudflare-http-logs'] });
    expect(cloudflare.cuecs.map((c) => c.id)).toEqual(['CF-2FA', 'CF-NOTIFY', 'CF-AVAILABILITY', 'CF-LOG-COPY']);
    expect(cloudflare.cuecs[1]).toMatchObject({ criteria: ['CC2.3', 'CC4.2', 'CC7.1', 'CC7.3', 'CC7.4', 'CC7.5'], monitors: { duties: ['vendor-notification'] } });
    expect(vendorOfEvent(config, 'cloudflare:abc')?.id).toBe('cloudflare');
    expect(vendorOfEvent(config, 'okta:abc')).toBeUndefined();
  });

  it('names the file, vendor and field of each problem', () => {
    expect(problems('vendors:\n  cf:\n    name: CF\n    sources: [cloudflare]\n    cuecs:\n      - { id: A, text: t, criteria: [CC9.99x] }\n')).toEqual([
      'vendors.yaml: vendors.cf.cuecs.0.criteria.0: a SOC 2 criterion such as CC7.3 or A1.2',
    ]);
    expect(problems('vendors:\n  cf:\n    name: CF\n    sources: [cloudflare]\n    cuecs:\n      - { id: A, text: t, criteria: [CC7.3] }\n      - { id: A, text: u, criteria: [CC7.4], monitors: { duties: [vendor-notification] } }\n')).toEqual([
      'vendors.yaml: vendors.cf.cuecs.1.id: A is used twice',
      'vendors.yaml: vendors.cf.cuecs.1.monitors.duties: vendor-notification needs vendors.cf.notify',
    ]);
    expect(problems('vendors:\n  cf:\n    name: CF\n    sources: [cloudflare]\n    typo: 1\n    cuecs: []\n')[0]).toMatch(/^vendors\.yaml: vendors\.cf/);
    expect(problems('not: [valid')[0]).toMatch(/^vendors\.yaml: not valid YAML/);
  });
});
