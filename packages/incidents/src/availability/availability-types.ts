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
  /** First failed check plus the downtime the service-down rule measured up to the first good check. */
  | 'measured'
  /** The resolution time: resolved by a person, or reopened (flapping counts as down throughout). */
  | 'resolution'
  /** Still down: counted up to the end of the period or now, whichever comes first. */
  | 'ongoing';

/** One service-down incident and what it cost the period. */
export interface OutageContribution {
  incidentId: string;
  /** `INC-<seq>`. */
  ref: string;
  seq: number;
  title: string;
  status: IncidentStatus;
  severity: Severity;
  /** The first failed check. */
  startedAt: string;
  /** Recovery; null while still down. */
  endedAt: string | null;
  end: OutageEnd;
  /** Downtime inside the period, outside maintenance. Overlapping incidents each show their own share. */
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
  /** Counted downtime within the allowance (for a period still running: so far). */
  met: boolean;
}

export interface DailyAvailability {
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  /** Ratio 0..1 over the measured part of the day; null when none of it is measured yet. */
  availability: number | null;
  downtimeSeconds: number;
  maintenanceSeconds: number;
  measuredSeconds: number;
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
  /** Elapsed minus maintenance: the time the commitment applies to so far. */
  measuredSeconds: number;
  /** Down time inside the measured time: outages merged where they overlap, maintenance taken out. */
  downtimeSeconds: number;
  /** Ratio 0..1: (measured − downtime) / measured; null when nothing was measured. */
  availability: number | null;
  commitment: ObjectiveFigures;
  slo: ObjectiveFigures | null;
  /** The down intervals counted, after merging and taking maintenance out. */
  downtime: CountedInterval[];
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
