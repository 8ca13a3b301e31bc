import type {
  CountedInterval,
  DailyAvailability,
  MaintenanceWindow,
  ObjectiveFigures,
  OutageContribution,
  ServiceAvailability,
} from './availability-types';
import { clip, subtract, totalMs, type Interval } from './intervals';
import type { OutageSpan } from './outage-spans';
import { utcDays } from './periods';
import type { ServiceCommitment } from './services-config';

export interface AvailabilityInput {
  service: ServiceCommitment;
  /** `[from, to)`, epoch ms. */
  period: Interval;
  now: number;
  /** This service's outages; any that miss the period are ignored. */
  outages: readonly OutageSpan[];
  /** This service's maintenance windows; any that miss the period are ignored. */
  maintenance: readonly MaintenanceWindow[];
}

/**
 * A service's availability over a period, as time-weighted interval arithmetic: the union of its outages
 * (first failed check to recovery; a live one up to now), cut to the part of the period that has elapsed,
 * minus declared maintenance, against the elapsed time minus maintenance. Pure: same input, same figures.
 */
export function availabilityFigures(input: AvailabilityInput): ServiceAvailability {
  const { period, service } = input;
  if (!(period.end > period.start)) throw new RangeError('the period must end after it starts');
  const elapsed: Interval = {
    start: period.start,
    end: Math.min(Math.max(input.now, period.start), period.end),
  };

  const maintenanceInPeriod = clip(input.maintenance.map(windowInterval), period);
  const maintenanceElapsed = clip(maintenanceInPeriod, elapsed);
  const down = subtract(clip(input.outages, elapsed), maintenanceElapsed);

  const periodMs = period.end - period.start;
  const elapsedMs = elapsed.end - elapsed.start;
  const maintenanceMs = totalMs(maintenanceElapsed);
  const measuredMs = elapsedMs - maintenanceMs;
  const downtimeMs = totalMs(down);
  // The allowance is over the whole period, so a month's budget does not grow as the month goes on.
  const eligibleMs = periodMs - totalMs(maintenanceInPeriod);
  const objective = (target: number) => objectiveFigures(target, eligibleMs, measuredMs, downtimeMs);

  return {
    service,
    from: iso(period.start),
    to: iso(period.end),
    measuredUntil: iso(elapsed.end),
    periodSeconds: seconds(periodMs),
    elapsedSeconds: seconds(elapsedMs),
    maintenanceSeconds: seconds(maintenanceMs),
    measuredSeconds: seconds(measuredMs),
    downtimeSeconds: seconds(downtimeMs),
    availability: measuredMs > 0 ? 1 - downtimeMs / measuredMs : null,
    commitment: objective(service.commitment),
    slo: service.slo === null ? null : objective(service.slo),
    downtime: down.map((interval): CountedInterval => ({
      start: iso(interval.start),
      end: iso(interval.end),
      ongoing: input.outages.some(
        (outage) => outage.how === 'ongoing' && outage.start <= interval.end && outage.end >= interval.end,
      ),
    })),
    incidents: contributions(input.outages, period, elapsed, maintenanceElapsed),
    maintenance: input.maintenance
      .filter((window) => overlaps(windowInterval(window), period))
      .sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt) || a.id - b.id),
    daily: utcDays(period).map((day) => dailyFigures(day, elapsed, down, maintenanceElapsed)),
  };
}

function objectiveFigures(
  target: number,
  eligibleMs: number,
  measuredMs: number,
  downtimeMs: number,
): ObjectiveFigures {
  // Rounded to the millisecond: 100 - 99.9 is 0.0999...9 in binary floating point.
  const allowedMs = Math.max(0, Math.round(((100 - target) * eligibleMs) / 100));
  const consumed = allowedMs > 0 ? downtimeMs / allowedMs : null;
  const elapsedShare = eligibleMs > 0 ? measuredMs / eligibleMs : 0;
  return {
    target,
    allowedDowntimeSeconds: seconds(allowedMs),
    budgetRemainingSeconds: seconds(allowedMs - downtimeMs),
    budgetConsumed: consumed,
    burnRate: consumed !== null && elapsedShare > 0 ? consumed / elapsedShare : null,
    met: downtimeMs <= allowedMs,
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
    .sort((a, b) => a.start - b.start || a.incident.seq - b.incident.seq)
    .map((outage) => ({
      incidentId: outage.incident.id,
      ref: outage.incident.ref,
      seq: outage.incident.seq,
      title: outage.incident.title,
      status: outage.incident.status,
      severity: outage.incident.severity,
      startedAt: iso(outage.start),
      endedAt: outage.how === 'ongoing' ? null : iso(outage.end),
      end: outage.how,
      downtimeSecondsInPeriod: seconds(totalMs(subtract(clip([outage], elapsed), maintenance))),
    }));
}

function dailyFigures(
  day: Interval,
  elapsed: Interval,
  down: Interval[],
  maintenance: Interval[],
): DailyAvailability {
  const measuredPart: Interval = {
    start: day.start,
    end: Math.max(day.start, Math.min(day.end, elapsed.end)),
  };
  const maintenanceMs = totalMs(clip(maintenance, measuredPart));
  const measuredMs = measuredPart.end - measuredPart.start - maintenanceMs;
  const downtimeMs = totalMs(clip(down, measuredPart));
  return {
    date: iso(day.start).slice(0, 10),
    availability: measuredMs > 0 ? 1 - downtimeMs / measuredMs : null,
    downtimeSeconds: seconds(downtimeMs),
    maintenanceSeconds: seconds(maintenanceMs),
    measuredSeconds: seconds(measuredMs),
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
