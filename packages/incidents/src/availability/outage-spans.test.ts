import { describe, expect, it } from 'vitest';
import { outageIncident } from './availability-test-helpers';
import { outageSpan } from './outage-spans';

const started = '2026-11-10T10:00:00.000Z';
const at = (iso: string) => Date.parse(iso);

describe('outageSpan', () => {
  it('a rule-resolved outage runs from the first failed check for the measured downtime', () => {
    // The detector noticed the recovery 40 s after the good check: the measured downtime is what counts.
    const span = outageSpan(
      outageIncident({ firstEventAt: started, resolvedAt: '2026-11-10T10:15:40.000Z', downtimeSeconds: 900 }),
      0,
    );
    expect(span).toMatchObject({
      service: 'checkout',
      start: at(started),
      end: at('2026-11-10T10:15:00Z'),
      how: 'measured',
    });
  });

  it('an outage a person resolved (no measured downtime) ends at the resolution', () => {
    const span = outageSpan(
      outageIncident({
        firstEventAt: started,
        resolvedAt: '2026-11-10T10:30:00.000Z',
        resolvedBy: 'api:alice',
      }),
      0,
    );
    expect(span).toMatchObject({ end: at('2026-11-10T10:30:00Z'), how: 'resolution' });
  });

  it('a reopened outage counts from its first failure to its last resolution', () => {
    const span = outageSpan(
      outageIncident({
        firstEventAt: started,
        resolvedAt: '2026-11-10T11:00:00.000Z',
        downtimeSeconds: 300,
        reopenCount: 1,
      }),
      0,
    );
    expect(span).toMatchObject({ end: at('2026-11-10T11:00:00Z'), how: 'resolution' });
  });

  it('a live outage runs until the given end; a closed one keeps its measured end', () => {
    for (const status of ['open', 'acknowledged', 'contained'] as const) {
      expect(
        outageSpan(outageIncident({ firstEventAt: started, status }), at('2026-11-10T12:00:00Z')),
      ).toMatchObject({
        end: at('2026-11-10T12:00:00Z'),
        how: 'ongoing',
      });
    }
    expect(
      outageSpan(
        outageIncident({
          firstEventAt: started,
          status: 'closed',
          resolvedAt: '2026-11-10T10:06:00Z',
          downtimeSeconds: 360,
        }),
        0,
      ),
    ).toMatchObject({ end: at('2026-11-10T10:06:00Z'), how: 'measured' });
  });

  it('a dismissed incident is no outage', () => {
    expect(
      outageSpan(outageIncident({ firstEventAt: started, status: 'dismissed' }), at('2026-12-01T00:00:00Z')),
    ).toBeNull();
  });
});
