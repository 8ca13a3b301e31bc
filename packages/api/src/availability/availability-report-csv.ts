import { toCsv, type CsvValue, type ServiceAvailability } from '@vigil/incidents';

/**
 * The monthly report as one CSV an auditor can filter: per service, a `period` row with the four numbers
 * (monitored, no evidence, downtime, maintenance), availability, coverage and the commitment's status, then
 * one row per outage, per interval with no evidence and per maintenance window, each with its seconds.
 */
export const AVAILABILITY_CSV_HEADER = [
  'record',
  'service',
  'start',
  'end',
  'seconds',
  'counted_seconds',
  'monitored_seconds',
  'no_evidence_seconds',
  'downtime_seconds',
  'maintenance_seconds',
  'availability',
  'coverage',
  'minimum_coverage_percent',
  'commitment_percent',
  'status',
  'standing',
  'incident',
  'measured_by',
  'historical',
  'note',
] as const;

type Row = Partial<Record<(typeof AVAILABILITY_CSV_HEADER)[number], CsvValue>>;

export function availabilityCsv(services: readonly ServiceAvailability[]): string {
  const rows = services.flatMap(serviceRows);
  return toCsv(
    AVAILABILITY_CSV_HEADER,
    rows.map((row) => AVAILABILITY_CSV_HEADER.map((column) => row[column])),
  );
}

function serviceRows(s: ServiceAvailability): Row[] {
  const service = s.service.id;
  const seconds = (start: string, end: string) => (Date.parse(end) - Date.parse(start)) / 1000;
  return [
    {
      record: 'period',
      service,
      start: s.from,
      end: s.measuredUntil,
      seconds: s.elapsedSeconds,
      monitored_seconds: s.monitoredSeconds,
      no_evidence_seconds: s.noEvidenceSeconds,
      downtime_seconds: s.downtimeSeconds,
      maintenance_seconds: s.maintenanceSeconds,
      availability: s.availability,
      coverage: s.coverage,
      minimum_coverage_percent: s.service.minimumCoverage,
      commitment_percent: s.service.commitment,
      status: s.commitment.status,
      standing: s.commitment.standing,
    },
    ...s.incidents.map((o): Row => ({
      record: 'outage',
      service,
      start: o.startedAt,
      end: o.endedAt,
      seconds: o.downtimeSeconds,
      counted_seconds: o.downtimeSecondsInPeriod,
      incident: o.ref,
      measured_by: o.measuredBy,
      historical: o.historical,
      note: o.endedAt === null ? 'still down' : undefined,
    })),
    ...s.noEvidence.map((g): Row => ({
      record: 'no-evidence',
      service,
      start: g.start,
      end: g.end,
      seconds: seconds(g.start, g.end),
      counted_seconds: 0,
      note: 'no checks: neither up nor down',
    })),
    ...s.maintenance.map((w): Row => ({
      record: 'maintenance',
      service,
      start: w.startsAt,
      end: w.endsAt,
      seconds: seconds(w.startsAt, w.endsAt),
      incident: `MW-${w.id}`,
      note: `${w.reason} (declared by ${w.declaredBy} at ${w.declaredAt}${w.retroactive ? ', after it began' : ''})`,
    })),
  ];
}
