import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vigil/runtime';
import { parseServicesConfig } from './services-config';

function problems(doc: unknown): string[] {
  try {
    parseServicesConfig(doc, 'services.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseServicesConfig', () => {
  it('reads each service with its commitment, SLO, name and owner, in file order', () => {
    expect(
      parseServicesConfig(
        {
          services: {
            checkout: { name: 'Checkout', owner: 'payments-sre', commitment: 99.9, slo: 99.95 },
            'api.example.com': { commitment: 99.5 },
          },
        },
        'services.yaml',
      ),
    ).toEqual({
      services: [
        {
          id: 'checkout',
          name: 'Checkout',
          owner: 'payments-sre',
          commitment: 99.9,
          slo: 99.95,
          minimumCoverage: 90,
        },
        {
          id: 'api.example.com',
          name: 'api.example.com',
          owner: null,
          commitment: 99.5,
          slo: null,
          minimumCoverage: 90,
        },
      ],
    });
  });

  it('names the file, the service and the field of every error', () => {
    expect(
      problems({
        services: {
          checkout: { commitment: 100 },
          search: { commitment: '99.9' },
          billing: { commitment: 99.9, slo: 99.5 },
          auth: { commitment: 99.9, sla: 99.9 },
          'bad id': { commitment: 99 },
          report: { commitment: 99 },
        },
      }),
    ).toEqual([
      'services.yaml: service checkout, commitment: must be below 100 (100 % leaves no error budget to measure)',
      'services.yaml: service search, commitment: expected a percentage such as 99.9',
      'services.yaml: service billing, slo: must not be below the commitment (99.9): an objective looser than the promise cannot warn in time',
      'services.yaml: service auth, sla: Unrecognized key: "sla"',
      'services.yaml: service "bad id": expected a service id such as checkout or api.example.com (letters, digits, . _ : @ -; at most 200)',
      'services.yaml: service "report": must not be one of report, maintenance (they name API routes)',
    ]);
  });

  it('says what the top level should be', () => {
    expect(problems({ service: {} })).toEqual([
      'services.yaml: expected a top-level "services:" map from service id to its commitment',
    ]);
    expect(problems(null)).toHaveLength(1);
    expect(problems({ services: [] })[0]).toMatch(/^services.yaml: services: /);
  });
});
