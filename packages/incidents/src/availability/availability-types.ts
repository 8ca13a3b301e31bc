import type { Severity } from '@vigil/schema';
import type { IncidentStatus } from '../notification-store';
import type { ServiceCommitment } from './services-config';

/** A declared maintenance window: downtime inside it does not count against the commitment. */
export interface MaintenanceWindow {
  id: number;
  service: string;
  startsAt: string;
  endsAt: string;
  reason: string;
  /** `api:<token name>`: who declared it. */
  declaredBy: string;
  declaredAt: string;
  /** Declared after it had begun: an auditor will want to see why. */
  retroactive: boolean;
}

/** How an outage's end was found. */
export type OutageEnd =
  /** The first good check (or the alerts' resolution) the rule measured, in event time. */
  | 'measured'
  /** Still down: counted up to the end of the period or now, whichever comes first. */
  | 'ongoing';

/** One measured outage, the incident it was raised as, and what it cost the period. */
export interface OutageContribution {
  /** Null only for an outage recorded without an incident. */
  incidentId: string | null;
  /** `INC-<seq>`. */
  ref: string | null;
  seq: number | null;
  title: string;
  status: IncidentStatus | null;
  severity: Severity | null;
  /** The first failed check (event time). */
  startedAt: string;
  /** The first good check (event time); null while still down. */
  endedAt: string | null;
  end: OutageEnd;
  /** `consecutive-checks`, `regions`, `alerts`. */
  measuredBy: string;
  /** Recorded long after it happened (backfill, replay, catch-up). */
  historical: boolean;
  /** The whole outage, start to end, wherever it falls; null while still down. */
  downtimeSeconds: number | null;
  /** Downtime inside the period, outside maintenance. Overlapping outages each show their own share. */
  downtimeSecondsInPeriod: number;
}

/** How a service stands against one objective (the commitment, or the SLO) over the period. */
export interface ObjectiveFigures {
  /** Percent, e.g. 99.9. */
  target: number;
  /** What the target allows over the whole period, maintenance excluded. */
  allowedDowntimeSeconds: number;
  /** Allowed minus counted downtime; negative once the budget is spent. */
  budgetRemainingSeconds: number;
  /** Share of the allowance used so far (1 = all of it); null when the period allows nothing. */
  budgetConsumed: number | null;
  /**
   * Budget consumed divided by the share of the period elapsed: 1 spends exactly the budget by the period's
   * end, above 1 spends it early. Null before any of the period has elapsed.
   */
  burnRate: number | null;
  /**
   * `breached`: counted downtime past the allowance. `met`: within it, with coverage at or above the
   * service's minimum. `not-evidenced`: within it, but too little of the period was monitored to say.
   */
  status: 'met' | 'breached' | 'not-evidenced';
  /** `status === 'met'`: never true without the evidence. */
  met: boolean;
  /**
   * How to show it, so that no badge reads "above the target" while the availability figure is below it.
   * `breached` and `not-evidenced` as in `status`; otherwise `below-target` when the availability figure is
   * under the target although the budget is not spent (early in a month, or a period with gaps in coverage),
   * `on-track` for a period still running with the figure at or above the target, `met` for a finished one.
   */
  standing: ObjectiveStanding;
}

export type ObjectiveStanding = 'met' | 'on-track' | 'below-target' | 'breached' | 'not-evidenced';

/**
 * Where a period still running ends if it goes on as it has so far. Both in the budget's frame: over the
 * whole period less its declared maintenance.
 */
export interface PeriodProjection {
  /** Downtime so far × (period − maintenance) / (elapsed − maintenance). */
  downtimeSecondsAtCurrentBurn: number;
  /** 1 − that / (period − maintenance): below a target exactly when that target's burn rate is above 1. */
  availabilityAtCurrentBurn: number;
  /** 1 − downtime so far / (period − maintenance): the best the period can still end at. */
  availabilityIfNoFurtherDowntime: number;
}

export interface DailyAvailability {
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  /** Ratio 0..1 over the monitored part of the day; null when none of it was monitored. */
  availability: number | null;
  downtimeSeconds: number;
  maintenanceSeconds: number;
  /** Elapsed part of the day less maintenance: monitored + no evidence. */
  measuredSeconds: number;
  monitoredSeconds: number;
  noEvidenceSeconds: number;
}

export interface CountedInterval {
  start: string;
  end: string;
  /** The outage is still going on at the end of what was measured. */
  ongoing: boolean;
}

export interface ServiceAvailability {
  service: ServiceCommitment;
  from: string;
  to: string;
  /** The end of what could be measured: `to`, or now for a period still running. */
  measuredUntil: string;
  periodSeconds: number;
  elapsedSeconds: number;
  /** Maintenance inside the elapsed part of the period. */
  maintenanceSeconds: number;
  /** Elapsed minus maintenance: the time the commitment applies to so far (monitored + no evidence). */
  measuredSeconds: number;
  /** Time with evidence (checks covered it, or a measured outage), outside maintenance. */
  monitoredSeconds: number;
  /** Time with no evidence either way: no checks, before monitoring began, prober or pipeline down. */
  noEvidenceSeconds: number;
  /** Down time: measured outages merged where they overlap, maintenance taken out. */
  downtimeSeconds: number;
  /** monitored / measured, 0..1; null when nothing has elapsed outside maintenance. */
  coverage: number | null;
  /** Coverage at or above the service's `minimumCoverage`. */
  evidenced: boolean;
  /** Ratio 0..1: (monitored − downtime) / monitored; null when nothing was monitored. */
  availability: number | null;
  commitment: ObjectiveFigures;
  slo: ObjectiveFigures | null;
  /** For a period still running with something monitored; null once it has ended, or with nothing to go on. */
  projection: PeriodProjection | null;
  /** The down intervals counted, after merging and taking maintenance out. */
  downtime: CountedInterval[];
  /** The intervals with no evidence (outside maintenance). */
  noEvidence: Array<{ start: string; end: string }>;
  incidents: OutageContribution[];
  /** Windows overlapping the period. */
  maintenance: MaintenanceWindow[];
  daily: DailyAvailability[];
}

export interface AvailabilityPeriod {
  from: string;
  to: string;
}

export interface MaintenanceQuery {
  service?: string;
  /** Windows overlapping [from, to). */
  from?: string;
  to?: string;
}

export interface MaintenanceDeclarationInput {
  service: string;
  startsAt: string;
  endsAt: string;
  reason: string;
}

/** The availability side of the register, which the API and the dashboard read. */
export interface AvailabilityStore {
  /** Appends a window; windows are never changed or removed. */
  declareMaintenance(
    input: MaintenanceDeclarationInput,
    options: { actor: string },
  ): Promise<MaintenanceWindow>;
  listMaintenance(query?: MaintenanceQuery): Promise<MaintenanceWindow[]>;
  /** Figures for each service over the period, in the order given, from one consistent read. */
  availability(
    services: readonly ServiceCommitment[],
    period: AvailabilityPeriod,
  ): Promise<ServiceAvailability[]>;
}
