import { describe, expect, it } from 'vitest';
import { availabilityFigures } from './availability-figures';
import { maintenanceWindow, measuredOutage } from './availability-test-helpers';
import { monthPeriod } from './periods';
import type { ServiceCommitment } from './services-config';

const checkout: ServiceCommitment = {
  id: 'checkout',
  name: 'Checkout',
  owner: null,
  commitment: 99.9,
  slo: null,
  minimumCoverage: 95,
};
const november = monthPeriod('2026-11'); // 2,592,000 s
const t = (iso: string) => Date.parse(iso);
const afterNovember = t('2026-12-02T00:00:00Z');

describe('coverage: time with no evidence is neither up nor down', () => {
  it('a service with no checks at all has no availability and is not evidenced, never met', () => {
    const figures = availabilityFigures({
      service: checkout,
      period: november,
      now: afterNovember,
      outages: [],
      coverage: [],
      maintenance: [],
    });
    expect(figures).toMatchObject({
      monitoredSeconds: 0,
      noEvidenceSeconds: 2_592_000,
      downtimeSeconds: 0,
      coverage: 0,
      evidenced: false,
      availability: null,
    });
    expect(figures.commitment).toMatchObject({ status: 'not-evidenced', met: false });
    expect(figures.noEvidence).toEqual([
      { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
    ]);
  });

  it('monitoring that began mid-month counts only from then; the days before are no evidence', () => {
    // Checks from Nov 16 00:00 to the end: 15 days of 30 covered. One 30-minute outage on Nov 20.
    const figures = availabilityFigures({
      service: checkout,
      period: november,
      now: afterNovember,
      outages: [measuredOutage('2026-11-20T08:00:00.000Z', 30)],
      coverage: [{ start: t('2026-11-16T00:00:00Z'), end: t('2026-12-01T00:00:00Z') }],
      maintenance: [],
    });
    expect(figures.monitoredSeconds).toBe(1_296_000);
    expect(figures.noEvidenceSeconds).toBe(1_296_000);
    expect(figures.downtimeSeconds).toBe(1800);
    expect(figures.coverage).toBe(0.5);
    expect(figures.availability).toBeCloseTo(1 - 1800 / 1_296_000, 12);
    // 1,800 s is within the month's 2,592 s, but half the month proves nothing.
    expect(figures.commitment).toMatchObject({ status: 'not-evidenced', met: false });
    expect(figures.daily.find((d) => d.date === '2026-11-10')).toMatchObject({
      availability: null,
      monitoredSeconds: 0,
      noEvidenceSeconds: 86_400,
    });
  });

  it('measured downtime past the allowance is a breach whatever the coverage', () => {
    const figures = availabilityFigures({
      service: checkout,
      period: november,
      now: afterNovember,
      outages: [measuredOutage('2026-11-20T08:00:00.000Z', 60)],
      coverage: [{ start: t('2026-11-20T00:00:00Z'), end: t('2026-11-21T00:00:00Z') }],
      maintenance: [],
    });
    expect(figures.commitment).toMatchObject({ status: 'breached', met: false });
  });

  it('a gap in the checks (prober down) is taken out of monitored time; maintenance is neither', () => {
    // Covered all month but a 24-hour gap (Nov 5 12:00 – Nov 6 12:00); maintenance Nov 12 02:00–04:00;
    // an outage of 20 min on Nov 12 03:50 (10 min of it inside maintenance).
    const figures = availabilityFigures({
      service: checkout,
      period: november,
      now: afterNovember,
      outages: [measuredOutage('2026-11-12T03:50:00.000Z', 20)],
      coverage: [
        { start: t('2026-10-25T00:00:00Z'), end: t('2026-11-05T12:00:00Z') },
        { start: t('2026-11-06T12:00:00Z'), end: t('2026-12-03T00:00:00Z') },
      ],
      maintenance: [maintenanceWindow('2026-11-12T02:00:00.000Z', '2026-11-12T04:00:00.000Z')],
    });
    const gap = 24 * 3600;
    const maintenance = 2 * 3600;
    expect(figures.maintenanceSeconds).toBe(maintenance);
    expect(figures.noEvidenceSeconds).toBe(gap);
    expect(figures.monitoredSeconds).toBe(2_592_000 - gap - maintenance);
    expect(figures.downtimeSeconds).toBe(600);
    expect(figures.monitoredSeconds + figures.noEvidenceSeconds + figures.maintenanceSeconds).toBe(
      figures.elapsedSeconds,
    );
    expect(figures.coverage).toBeCloseTo((2_592_000 - gap - maintenance) / (2_592_000 - maintenance), 12);
    expect(figures.availability).toBeCloseTo(1 - 600 / (2_592_000 - gap - maintenance), 12);
    expect(figures.commitment).toMatchObject({ status: 'met', met: true });
    expect(figures.noEvidence).toEqual([
      { start: '2026-11-05T12:00:00.000Z', end: '2026-11-06T12:00:00.000Z' },
    ]);
  });

  it('an outage measured while the checks were sparse is evidence of itself', () => {
    const figures = availabilityFigures({
      service: checkout,
      period: november,
      now: afterNovember,
      outages: [measuredOutage('2026-11-03T10:00:00.000Z', 45)],
      coverage: [],
      maintenance: [],
    });
    expect(figures.monitoredSeconds).toBe(2700);
    expect(figures.downtimeSeconds).toBe(2700);
    expect(figures.availability).toBe(0);
  });
});
