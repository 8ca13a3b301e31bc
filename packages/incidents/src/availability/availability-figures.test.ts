import { describe, expect, it } from 'vitest';
import { availabilityFigures } from './availability-figures';
import { maintenanceWindow, measuredOutage, openOutage } from './availability-test-helpers';
import { monthPeriod } from './periods';
import type { ServiceCommitment } from './services-config';

const checkout: ServiceCommitment = {
  id: 'checkout',
  name: 'Checkout',
  owner: null,
  commitment: 99.9,
  slo: 99.95,
  minimumCoverage: 90,
};
/** Checks covered all of this: the figures below are about outages and maintenance, not evidence. */
const ALWAYS_CHECKED = [
  { start: Date.parse('2026-01-01T00:00:00Z'), end: Date.parse('2027-01-01T00:00:00Z') },
];
const november = monthPeriod('2026-11'); // 30 days: 2,592,000 s
const t = (iso: string) => Date.parse(iso);

describe('availabilityFigures over a finished month', () => {
  // Known timeline (UTC):
  //   Oct 31 23:50 – Nov 1 00:20   outage spanning the period's start          → 20 min in November
  //   Nov 10 10:00 – 11:00         outage INC-a } overlapping: one 90-minute outage, 10:00 – 11:30,
  //   Nov 10 10:30 – 11:30         outage INC-b }   of which maintenance 10:45 – 11:15 takes 30 min → 60 min
  //   Nov 30 23:40 – still down    outage spanning the period's end            → 20 min, to Dec 1 00:00
  const figures = availabilityFigures({
    service: checkout,
    period: november,
    now: t('2026-12-05T00:00:00Z'),
    coverage: ALWAYS_CHECKED,
    outages: [
      measuredOutage('2026-10-31T23:50:00.000Z', 30),
      measuredOutage('2026-11-10T10:00:00.000Z', 60),
      measuredOutage('2026-11-10T10:30:00.000Z', 60),
      openOutage('2026-11-30T23:40:00.000Z', t('2026-12-01T00:00:00Z')),
    ],
    maintenance: [
      maintenanceWindow('2026-11-10T10:45:00.000Z', '2026-11-10T11:15:00.000Z'),
      // Another service's window must not count, nor one outside the period.
      maintenanceWindow('2026-11-10T00:00:00.000Z', '2026-11-11T00:00:00.000Z', 'search'),
      maintenanceWindow('2026-12-02T00:00:00.000Z', '2026-12-02T01:00:00.000Z'),
    ].filter((window) => window.service === 'checkout'),
  });

  it('counts merged outage time inside the period, minus maintenance', () => {
    expect(figures.periodSeconds).toBe(2_592_000);
    expect(figures.elapsedSeconds).toBe(2_592_000);
    expect(figures.maintenanceSeconds).toBe(1800);
    expect(figures.measuredSeconds).toBe(2_590_200);
    expect(figures.downtimeSeconds).toBe(1200 + 3600 + 1200);
    expect(figures.availability).toBeCloseTo(1 - 6000 / 2_590_200, 12);
    expect(figures.measuredUntil).toBe('2026-12-01T00:00:00.000Z');
  });

  it('lists the counted down intervals, the last one still going on', () => {
    expect(figures.downtime).toEqual([
      { start: '2026-11-01T00:00:00.000Z', end: '2026-11-01T00:20:00.000Z', ongoing: false },
      { start: '2026-11-10T10:00:00.000Z', end: '2026-11-10T10:45:00.000Z', ongoing: false },
      { start: '2026-11-10T11:15:00.000Z', end: '2026-11-10T11:30:00.000Z', ongoing: false },
      { start: '2026-11-30T23:40:00.000Z', end: '2026-12-01T00:00:00.000Z', ongoing: true },
    ]);
  });

  it('compares with the commitment and the SLO: budget, consumption, burn rate', () => {
    // 0.1 % of the month minus maintenance: 2,590.2 s allowed.
    expect(figures.commitment).toEqual({
      target: 99.9,
      allowedDowntimeSeconds: 2590.2,
      budgetRemainingSeconds: 2590.2 - 6000,
      budgetConsumed: expect.closeTo(6000 / 2590.2, 12),
      burnRate: expect.closeTo(6000 / 2590.2, 12),
      status: 'breached',
      met: false,
      standing: 'breached',
    });
    expect(figures.slo).toMatchObject({ target: 99.95, allowedDowntimeSeconds: 1295.1, met: false });
  });

  it("lists each incident with its own share of the period's downtime", () => {
    expect(
      figures.incidents.map((i) => ({
        startedAt: i.startedAt,
        endedAt: i.endedAt,
        end: i.end,
        seconds: i.downtimeSecondsInPeriod,
      })),
    ).toEqual([
      {
        startedAt: '2026-10-31T23:50:00.000Z',
        endedAt: '2026-11-01T00:20:00.000Z',
        end: 'measured',
        seconds: 1200,
      },
      {
        startedAt: '2026-11-10T10:00:00.000Z',
        endedAt: '2026-11-10T11:00:00.000Z',
        end: 'measured',
        seconds: 2700,
      },
      {
        startedAt: '2026-11-10T10:30:00.000Z',
        endedAt: '2026-11-10T11:30:00.000Z',
        end: 'measured',
        seconds: 1800,
      },
      { startedAt: '2026-11-30T23:40:00.000Z', endedAt: null, end: 'ongoing', seconds: 1200 },
    ]);
    expect(figures.incidents[0]?.ref).toMatch(/^INC-\d+$/);
  });

  it('gives a figure for every day, with maintenance and downtime on the right days', () => {
    expect(figures.daily).toHaveLength(30);
    const day = (date: string) => figures.daily.find((d) => d.date === date);
    expect(day('2026-11-01')).toEqual({
      date: '2026-11-01',
      availability: 1 - 1200 / 86_400,
      downtimeSeconds: 1200,
      maintenanceSeconds: 0,
      measuredSeconds: 86_400,
      monitoredSeconds: 86_400,
      noEvidenceSeconds: 0,
    });
    expect(day('2026-11-10')).toMatchObject({
      downtimeSeconds: 3600,
      maintenanceSeconds: 1800,
      measuredSeconds: 84_600,
    });
    expect(day('2026-11-30')).toMatchObject({ downtimeSeconds: 1200 });
    expect(day('2026-11-15')).toMatchObject({ availability: 1, downtimeSeconds: 0 });
  });

  it('keeps only the windows overlapping the period', () => {
    expect(figures.maintenance.map((w) => w.startsAt)).toEqual(['2026-11-10T10:45:00.000Z']);
  });
});

describe('availabilityFigures over a month still running', () => {
  const now = t('2026-11-16T00:00:00Z'); // exactly half of November

  it('measures only the elapsed part; half the budget spent in half the month burns at 1', () => {
    // 0.1 % of 30 days is 2,592 s; 1,296 s down is half of it.
    const figures = availabilityFigures({
      service: checkout,
      period: november,
      now,
      coverage: ALWAYS_CHECKED,
      outages: [measuredOutage('2026-11-02T12:00:00.000Z', 21.6)],
      maintenance: [],
    });
    expect(figures.elapsedSeconds).toBe(1_296_000);
    expect(figures.measuredSeconds).toBe(1_296_000);
    expect(figures.downtimeSeconds).toBe(1296);
    expect(figures.availability).toBeCloseTo(0.999, 12);
    expect(figures.commitment).toMatchObject({
      allowedDowntimeSeconds: 2592,
      budgetRemainingSeconds: 1296,
      budgetConsumed: 0.5,
      burnRate: 1,
      met: true,
      standing: 'on-track',
    });
    // The SLO allows half as much: all of it spent, at twice the sustainable rate, and still (just) met;
    // but 99.9 % is below its 99.95 %, and the standing says so.
    expect(figures.slo).toMatchObject({
      allowedDowntimeSeconds: 1296,
      budgetConsumed: 1,
      burnRate: 2,
      met: true,
      standing: 'below-target',
    });
    expect(figures.projection).toEqual({
      downtimeSecondsAtCurrentBurn: 2592,
      availabilityAtCurrentBurn: 0.999,
      availabilityIfNoFurtherDowntime: 1 - 1296 / 2_592_000,
    });
    expect(figures.daily.find((d) => d.date === '2026-11-20')).toMatchObject({
      availability: null,
      measuredSeconds: 0,
    });
  });

  it('counts a still-open outage up to now, not to the end of the period', () => {
    const figures = availabilityFigures({
      service: checkout,
      period: november,
      now,
      coverage: ALWAYS_CHECKED,
      outages: [openOutage('2026-11-15T23:00:00.000Z', now)],
      maintenance: [],
    });
    expect(figures.downtimeSeconds).toBe(3600);
    expect(figures.downtime).toEqual([
      { start: '2026-11-15T23:00:00.000Z', end: '2026-11-16T00:00:00.000Z', ongoing: true },
    ]);
    expect(figures.incidents).toMatchObject([
      { endedAt: null, end: 'ongoing', downtimeSecondsInPeriod: 3600 },
    ]);
  });

  it('maintenance covering all of an outage leaves no downtime; the incident is still listed', () => {
    const figures = availabilityFigures({
      service: checkout,
      period: november,
      now,
      coverage: ALWAYS_CHECKED,
      outages: [measuredOutage('2026-11-05T02:10:00.000Z', 20)],
      maintenance: [maintenanceWindow('2026-11-05T02:00:00.000Z', '2026-11-05T03:00:00.000Z')],
    });
    expect(figures.downtimeSeconds).toBe(0);
    expect(figures.availability).toBe(1);
    expect(figures.maintenanceSeconds).toBe(3600);
    expect(figures.incidents).toMatchObject([{ downtimeSecondsInPeriod: 0 }]);
    expect(figures.commitment.met).toBe(true);
  });

  it('before the period begins nothing is measured and no rate can be given', () => {
    const figures = availabilityFigures({
      service: checkout,
      period: november,
      now: t('2026-10-20T00:00:00Z'),
      coverage: ALWAYS_CHECKED,
      outages: [],
      maintenance: [],
    });
    expect(figures.availability).toBeNull();
    expect(figures.commitment).toMatchObject({
      budgetConsumed: 0,
      burnRate: null,
      status: 'not-evidenced',
      met: false,
    });
  });

  it('refuses a period that ends before it starts', () => {
    expect(() =>
      availabilityFigures({
        service: checkout,
        period: { start: 10, end: 10 },
        now,
        coverage: ALWAYS_CHECKED,
        outages: [],
        maintenance: [],
      }),
    ).toThrow(RangeError);
  });
});

describe('standing and projection: the words never say "above the target" under a figure below it', () => {
  it('two 4-minute outages on day 2: below the commitment so far, budget left, a breach at this burn', () => {
    const figures = availabilityFigures({
      service: checkout,
      period: november,
      now: t('2026-11-03T00:00:00Z'),
      coverage: ALWAYS_CHECKED,
      outages: [measuredOutage('2026-11-02T09:00:00.000Z', 4), measuredOutage('2026-11-02T09:30:00.000Z', 4)],
      maintenance: [],
    });
    // 480 s down in 172,800 s: 99.722 %, under 99.9 %, with 18.5 % of the month's 2,592 s used.
    expect(figures.downtimeSeconds).toBe(480);
    expect(figures.availability).toBeCloseTo(1 - 480 / 172_800, 12);
    expect(figures.commitment).toMatchObject({
      status: 'met',
      budgetRemainingSeconds: 2112,
      standing: 'below-target',
    });
    expect(figures.commitment.budgetConsumed).toBeCloseTo(480 / 2592, 12);
    // 480 s every 2 days is 7,200 s by the end of the month.
    expect(figures.projection).toEqual({
      downtimeSecondsAtCurrentBurn: 7200,
      availabilityAtCurrentBurn: 1 - 7200 / 2_592_000,
      availabilityIfNoFurtherDowntime: 1 - 480 / 2_592_000,
    });
  });

  it('a finished month within its allowance but with the figure below the target (gaps in coverage)', () => {
    // Checked for the first 27.6 days only (92 % coverage, above the 90 % minimum); 2,500 s down of 2,592
    // allowed, but over monitored time that is 99.895 %.
    const figures = availabilityFigures({
      service: checkout,
      period: november,
      now: t('2026-12-02T00:00:00Z'),
      coverage: [{ start: november.start, end: november.start + 2_384_640_000 }],
      outages: [measuredOutage('2026-11-20T00:00:00.000Z', 2500 / 60)],
      maintenance: [],
    });
    expect(figures.coverage).toBeCloseTo(0.92, 12);
    expect(figures.commitment).toMatchObject({ status: 'met', met: true, standing: 'below-target' });
    expect(figures.projection).toBeNull();
  });

  it('a finished month at or above the target is met; breached and not evidenced stay what they are', () => {
    const finished = (outageMinutes: number, coverageEnd: number) =>
      availabilityFigures({
        service: checkout,
        period: november,
        now: t('2026-12-02T00:00:00Z'),
        coverage: [{ start: november.start, end: coverageEnd }],
        outages: [measuredOutage('2026-11-05T00:00:00.000Z', outageMinutes)],
        maintenance: [],
      }).commitment.standing;
    expect(finished(10, november.end)).toBe('met');
    expect(finished(60, november.end)).toBe('breached');
    expect(finished(1, november.start + 10 * 86_400_000)).toBe('not-evidenced');
  });
});
