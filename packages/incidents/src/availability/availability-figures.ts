import type {
  CountedInterval,
  DailyAvailability,
  MaintenanceWindow,
  ObjectiveFigures,
  ObjectiveStanding,
  OutageContribution,
  PeriodProjection,
  ServiceAvailability,
} from './availability-types';
import { clip, normalise, subtract, totalMs, type Interval } from './intervals';
import type { OutageSpan } from './outage-intervals';
import { utcDays } from './periods';
import type { ServiceCommitment } from './services-config';

export interface AvailabilityInput {
  service: ServiceCommitment;
  /** `[from, to)`, epoch ms. */
  period: Interval;
  now: number;
  /** This service's measured outages; any that miss the period are ignored. */
  outages: readonly OutageSpan[];
  /** Time this service's checks covered (`check_coverage`); any that misses the period is ignored. */
  coverage: readonly Interval[];
  /** This service's maintenance windows; any that miss the period are ignored. */
  maintenance: readonly MaintenanceWindow[];
}

/**
 * A service's availability over a period, as interval arithmetic in event time. The elapsed part of the
 * period splits into maintenance (declared windows), monitored time (checks covered it, or a measured outage
 * did) and time with no evidence (no checks: before monitoring began, a gap, the prober or the pipeline
 * down). Downtime is the union of the measured outages outside maintenance. Availability is over monitored
 * time only; coverage (monitored / elapsed less maintenance) below the service's minimum makes every
 * objective "not evidenced", never "met". Pure: same input, same figures.
 */
export function availabilityFigures(input: AvailabilityInput): ServiceAvailability {
  const { period, service } = input;
  if (!(period.end > period.start)) throw new RangeError('the period must end after it starts');
  const elapsed: Interval = {
    start: period.start,
    end: Math.min(Math.max(input.now, period.start), period.end),
  };

  const maintenanceInPeriod = clip(input.maintenance.map(windowInterval), period);
  const maintenance = clip(maintenanceInPeriod, elapsed);
  const outages = clip(input.outages, elapsed);
  const down = subtract(outages, maintenance);
  // A measured outage is evidence too: the checks (or alerts) said "down" for all of it.
  const monitored = subtract(clip(normalise([...input.coverage, ...outages]), elapsed), maintenance);
  const noEvidence = subtract(subtract([elapsed], maintenance), monitored);

  const periodMs = period.end - period.start;
  const elapsedMs = elapsed.end - elapsed.start;
  const maintenanceMs = totalMs(maintenance);
  const measurableMs = elapsedMs - maintenanceMs;
  const monitoredMs = totalMs(monitored);
  const downtimeMs = totalMs(down);
  const coverage = measurableMs > 0 ? monitoredMs / measurableMs : null;
  const evidenced = coverage !== null && coverage * 100 >= service.minimumCoverage;
  // The allowance is over the whole period, so a month's budget does not grow as the month goes on.
  const eligibleMs = periodMs - totalMs(maintenanceInPeriod);
  const availability = monitoredMs > 0 ? 1 - downtimeMs / monitoredMs : null;
  const running = elapsed.end < period.end;
  const objective = (target: number) =>
    objectiveFigures(target, { eligibleMs, measurableMs, downtimeMs, evidenced, availability, running });

  return {
    service,
    from: iso(period.start),
    to: iso(period.end),
    measuredUntil: iso(elapsed.end),
    periodSeconds: seconds(periodMs),
    elapsedSeconds: seconds(elapsedMs),
    maintenanceSeconds: seconds(maintenanceMs),
    measuredSeconds: seconds(measurableMs),
    monitoredSeconds: seconds(monitoredMs),
    noEvidenceSeconds: seconds(measurableMs - monitoredMs),
    downtimeSeconds: seconds(downtimeMs),
    coverage,
    evidenced,
    availability,
    commitment: objective(service.commitment),
    slo: service.slo === null ? null : objective(service.slo),
    projection: running && monitoredMs > 0 ? projection(downtimeMs, measurableMs, eligibleMs) : null,
    downtime: down.map((interval): CountedInterval => ({
      start: iso(interval.start),
      end: iso(interval.end),
      ongoing: input.outages.some(
        (outage) => outage.how === 'ongoing' && outage.start <= interval.end && outage.end >= interval.end,
      ),
    })),
    noEvidence: noEvidence.map((interval) => ({ start: iso(interval.start), end: iso(interval.end) })),
    incidents: contributions(input.outages, period, elapsed, maintenance),
    maintenance: input.maintenance
      .filter((window) => overlaps(windowInterval(window), period))
      .sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt) || a.id - b.id),
    daily: utcDays(period).map((day) => dailyFigures(day, elapsed, { down, maintenance, monitored })),
  };
}

function objectiveFigures(
  target: number,
  figures: {
    eligibleMs: number;
    measurableMs: number;
    downtimeMs: number;
    evidenced: boolean;
    availability: number | null;
    running: boolean;
  },
): ObjectiveFigures {
  const { eligibleMs, measurableMs, downtimeMs, evidenced } = figures;
  // Rounded to the millisecond: 100 - 99.9 is 0.0999...9 in binary floating point.
  const allowedMs = Math.max(0, Math.round(((100 - target) * eligibleMs) / 100));
  const consumed = allowedMs > 0 ? downtimeMs / allowedMs : null;
  const elapsedShare = eligibleMs > 0 ? measurableMs / eligibleMs : 0;
  // Measured downtime past the allowance is a breach whatever the coverage; staying within it proves
  // nothing without enough evidence.
  const status = downtimeMs > allowedMs ? 'breached' : evidenced ? 'met' : 'not-evidenced';
  return {
    target,
    allowedDowntimeSeconds: seconds(allowedMs),
    budgetRemainingSeconds: seconds(allowedMs - downtimeMs),
    budgetConsumed: consumed,
    burnRate: consumed !== null && elapsedShare > 0 ? consumed / elapsedShare : null,
    status,
    met: status === 'met',
    standing: standing(status, target, figures.availability, figures.running),
  };
}

function standing(
  status: ObjectiveFigures['status'],
  target: number,
  availability: number | null,
  running: boolean,
): ObjectiveStanding {
  if (status !== 'met') return status;
  // Compared as the figure is shown (cut to three decimals of a percent), so the words match the number.
  const shown = availability === null ? null : Math.floor(availability * 100_000 + 1e-7) / 1000;
  if (shown === null || shown < target) return 'below-target';
  return running ? 'on-track' : 'met';
}

function projection(downtimeMs: number, measurableMs: number, eligibleMs: number): PeriodProjection {
  const atCurrentBurnMs = (downtimeMs * eligibleMs) / measurableMs;
  return {
    downtimeSecondsAtCurrentBurn: Math.round(atCurrentBurnMs) / 1000,
    availabilityAtCurrentBurn: 1 - atCurrentBurnMs / eligibleMs,
    availabilityIfNoFurtherDowntime: 1 - downtimeMs / eligibleMs,
  };
}

function contributions(
  outages: readonly OutageSpan[],
  period: Interval,
  elapsed: Interval,
  maintenance: Interval[],
): OutageContribution[] {
  return outages
    .filter((outage) => overlaps(outage, period) || (outage.how === 'ongoing' && outage.start < period.end))
    .sort((a, b) => a.start - b.start || (a.incident?.seq ?? 0) - (b.incident?.seq ?? 0))
    .map((outage) => ({
      incidentId: outage.incident?.id ?? null,
      ref: outage.incident?.ref ?? null,
      seq: outage.incident?.seq ?? null,
      title: outage.incident?.title ?? `Service ${outage.service} was down`,
      status: outage.incident?.status ?? null,
      severity: outage.incident?.severity ?? null,
      startedAt: iso(outage.start),
      endedAt: outage.how === 'ongoing' ? null : iso(outage.end),
      end: outage.how,
      measuredBy: outage.measuredBy,
      historical: outage.historical,
      downtimeSeconds: outage.how === 'ongoing' ? null : seconds(outage.end - outage.start),
      downtimeSecondsInPeriod: seconds(totalMs(subtract(clip([outage], elapsed), maintenance))),
    }));
}

function dailyFigures(
  day: Interval,
  elapsed: Interval,
  sets: { down: Interval[]; maintenance: Interval[]; monitored: Interval[] },
): DailyAvailability {
  const measuredPart: Interval = {
    start: day.start,
    end: Math.max(day.start, Math.min(day.end, elapsed.end)),
  };
  const maintenanceMs = totalMs(clip(sets.maintenance, measuredPart));
  const measurableMs = measuredPart.end - measuredPart.start - maintenanceMs;
  const monitoredMs = totalMs(clip(sets.monitored, measuredPart));
  const downtimeMs = totalMs(clip(sets.down, measuredPart));
  return {
    date: iso(day.start).slice(0, 10),
    availability: monitoredMs > 0 ? 1 - downtimeMs / monitoredMs : null,
    downtimeSeconds: seconds(downtimeMs),
    maintenanceSeconds: seconds(maintenanceMs),
    measuredSeconds: seconds(measurableMs),
    monitoredSeconds: seconds(monitoredMs),
    noEvidenceSeconds: seconds(measurableMs - monitoredMs),
  };
}

function windowInterval(window: MaintenanceWindow): Interval {
  return { start: Date.parse(window.startsAt), end: Date.parse(window.endsAt) };
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && a.end > b.start;
}

function seconds(ms: number): number {
  return ms / 1000;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Keeps only what belongs to one service, so callers can pass everything they loaded. */
export function forService<T extends { service: string }>(items: readonly T[], service: string): T[] {
  return items.filter((item) => item.service === service);
}
