import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vigil/runtime';
import { loadServicesFile, parseServicesText } from './services-file';

const example = fileURLToPath(new URL('../../../../config/services.example.yaml', import.meta.url));

describe('services file', () => {
  it('the example file loads', () => {
    const config = loadServicesFile(example);
    expect(config.services.map((s) => [s.id, s.commitment, s.slo])).toEqual([
      ['checkout', 99.9, 99.95],
      ['api.example.com', 99.5, null],
      ['search', 99, null],
    ]);
  });

  it('names the file, the service and the field', () => {
    const text = 'services:\n  checkout:\n    commitment: 99.9\n    slo: 99\n';
    expect(() => parseServicesText(text, 'services.yaml')).toThrow(
      /services\.yaml: service checkout, slo: must not be below the commitment \(99\.9\)/,
    );
  });

  it('says so when the file is missing or not YAML', () => {
    expect(() => loadServicesFile('/nonexistent/services.yaml')).toThrow(ConfigError);
    expect(() => loadServicesFile('/nonexistent/services.yaml')).toThrow(/cannot read the services file/);
    expect(() => parseServicesText('services: [', 'services.yaml')).toThrow(/services\.yaml: not valid YAML/);
  });
});
