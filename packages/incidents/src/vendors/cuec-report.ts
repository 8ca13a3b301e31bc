import type { Pool } from 'pg';
import { POPULATION_SQL } from '../audit/audit-queries';
import { toCsv } from '../audit/csv';
import { incidentRef } from '../incident-lifecycle';
import { toIncidentRecord, type IncidentRow } from '../incident-rows';
import type { IncidentRecord } from '../incident-types';
import { vendorNotificationsOf, vendorsOfIncidents, type VendorNotification } from './vendor-notifications';
import type { CuecDefinition, VendorDefinition, VendorsConfig } from './vendors-file';

export interface CuecException {
  incidentId: string;
  incidentRef: string;
  ruleId: string;
  severity: string;
  status: string;
  entity: string;
  detectedAt: string;
  resolvedAt: string | null;
  /** Why it counts against the control. */
  reason: 'incident' | 'source-silent' | 'vendor-not-notified' | 'vendor-notified-late';
  /** For the notification duty: when it was due and what was recorded. */
  notificationDueAt?: string;
  notification?: VendorNotification | null;
}

export interface CuecGap {
  source: string;
  from: string;
  to: string;
  incidentRef: string;
}

export interface CuecResult {
  vendor: string;
  vendorName: string;
  id: string;
  text: string;
  criteria: string[];
  /** Operated all period: no exception and no period without evidence. */
  operated: boolean;
  evidence: {
    rules: string[];
    sources: string[];
    duties: string[];
    /** Incidents that owed the vendor a notification, and how many were told in time. */
    notificationsOwed: number;
    notificationsOnTime: number;
  };
  exceptions: CuecException[];
  /** Periods the control was not evidenced: its sources silent. */
  notEvidenced: CuecGap[];
}

export interface CuecReport {
  period: { from: string; to: string };
  generatedAt: string;
  /** The query the population of the same period comes from (the audit export's), so figures reconcile. */
  populationQuery: string;
  reconciliation: {
    /** Incidents in the period's population (as `/v1/audit/population`). */
    populationIncidents: number;
    /** Of them, those whose evidence came from a vendor's sources. */
    vendorIncidents: number;
    /** Distinct incidents counted as an exception of any CUEC; each is in the population. */
    exceptionIncidents: number;
  };
  cuecs: CuecResult[];
}

const SOURCE_SILENT = 'logging.source-silent';

function clip(from: string, to: string, period: { from: string; to: string }): { from: string; to: string } {
  return {
    from: Date.parse(from) < Date.parse(period.from) ? period.from : from,
    to: Date.parse(to) > Date.parse(period.to) ? period.to : to,
  };
}

function exceptionOf(incident: IncidentRecord, reason: CuecException['reason'], extra: Partial<CuecException> = {}): CuecException {
  return {
    incidentId: incident.id,
    incidentRef: incidentRef(incident.seq),
    ruleId: incident.ruleId,
    severity: incident.severity,
    status: incident.status,
    entity: `${incident.entity.type}:${incident.entity.id}`,
    detectedAt: incident.detectedAt,
    resolvedAt: incident.resolvedAt,
    reason,
    ...extra,
  };
}

interface Context {
  period: { from: string; to: string };
  population: IncidentRecord[];
  vendorsOf: Map<string, VendorDefinition[]>;
  notifications: VendorNotification[];
}

function evaluateCuec(vendor: VendorDefinition, cuec: CuecDefinition, ctx: Context): CuecResult {
  const live = ctx.population.filter((i) => i.status !== 'dismissed');
  const involves = (incident: IncidentRecord) => (ctx.vendorsOf.get(incident.id) ?? []).some((v) => v.id === vendor.id);
  const exceptions: CuecException[] = [];
  const notEvidenced: CuecGap[] = [];

  for (const incident of live) {
    if (!cuec.monitors.rules.includes(incident.ruleId)) continue;
    const scoped = cuec.monitors.entities ? cuec.monitors.entities.includes(incident.entity.id) : involves(incident);
    if (scoped) exceptions.push(exceptionOf(incident, 'incident'));
  }
  for (const incident of live) {
    if (incident.ruleId !== SOURCE_SILENT || !cuec.monitors.sources.includes(incident.entity.id)) continue;
    exceptions.push(exceptionOf(incident, 'source-silent'));
    const span = clip(incident.detectedAt, incident.resolvedAt ?? ctx.period.to, ctx.period);
    notEvidenced.push({ source: incident.entity.id, ...span, incidentRef: incidentRef(incident.seq) });
  }
  let owed = 0;
  let onTime = 0;
  if (cuec.monitors.duties.includes('vendor-notification') && vendor.notify) {
    const within = vendor.notify.withinMinutes * 60_000;
    for (const incident of live) {
      if (!vendor.notify.rules.includes(incident.ruleId) || !involves(incident)) continue;
      owed += 1;
      const dueAt = new Date(Date.parse(incident.detectedAt) + within).toISOString();
      const notification = ctx.notifications.find((n) => n.incidentId === incident.id && n.vendor === vendor.id) ?? null;
      if (notification && Date.parse(notification.notifiedAt) <= Date.parse(dueAt)) {
        onTime += 1;
        continue;
      }
      exceptions.push(exceptionOf(incident, notification ? 'vendor-notified-late' : 'vendor-not-notified', { notificationDueAt: dueAt, notification }));
    }
  }
  return {
    vendor: vendor.id,
    vendorName: vendor.name,
    id: cuec.id,
    text: cuec.text,
    criteria: cuec.criteria,
    operated: exceptions.length === 0 && notEvidenced.length === 0,
    evidence: { rules: cuec.monitors.rules, sources: cuec.monitors.sources, duties: cuec.monitors.duties, notificationsOwed: owed, notificationsOnTime: onTime },
    exceptions,
    notEvidenced,
  };
}

/**
 * For each vendor and CUEC of the vendors file: whether it operated all of [from, to). Exceptions come from
 * the period's incident population, the same population (same query) the audit export gives, so every
 * exception is an incident of that population and the counts reconcile with it.
 */
export async function buildCuecReport(pool: Pool, config: VendorsConfig, period: { from: string; to: string }, now: Date): Promise<CuecReport> {
  const { rows } = await pool.query<IncidentRow>(POPULATION_SQL, [period.from, period.to]);
  const population = rows.map(toIncidentRecord);
  const ids = population.map((i) => i.id);
  const [vendorsOf, notifications] = await Promise.all([vendorsOfIncidents(pool, config, ids), vendorNotificationsOf(pool, ids)]);
  const ctx: Context = { period, population, vendorsOf, notifications };
  const cuecs = config.vendors.flatMap((vendor) => vendor.cuecs.map((cuec) => evaluateCuec(vendor, cuec, ctx)));
  return {
    period,
    generatedAt: now.toISOString(),
    populationQuery: POPULATION_SQL,
    reconciliation: {
      populationIncidents: population.length,
      vendorIncidents: vendorsOf.size,
      exceptionIncidents: new Set(cuecs.flatMap((c) => c.exceptions.map((e) => e.incidentId))).size,
    },
    cuecs,
  };
}

/** One row per CUEC and exception (a CUEC without exceptions has one row), for spreadsheets. */
export function cuecReportCsv(report: CuecReport): string {
  const header = ['vendor', 'cuec', 'criteria', 'operated', 'exception', 'rule', 'severity', 'status', 'entity', 'detected_at', 'reason', 'notification_due_at', 'notified_at', 'notified_by', 'reference', 'not_evidenced'];
  const rows = report.cuecs.flatMap((c) => {
    const gaps = c.notEvidenced.map((g) => `${g.source} ${g.from}..${g.to} (${g.incidentRef})`).join('; ');
    const base = [c.vendor, c.id, c.criteria.join(' '), c.operated];
    if (c.exceptions.length === 0) return [[...base, '', '', '', '', '', '', '', '', '', '', '', gaps]];
    return c.exceptions.map((e) => [
      ...base,
      e.incidentRef,
      e.ruleId,
      e.severity,
      e.status,
      e.entity,
      e.detectedAt,
      e.reason,
      e.notificationDueAt ?? '',
      e.notification?.notifiedAt ?? '',
      e.notification?.notifiedBy ?? '',
      e.notification?.reference ?? '',
      gaps,
    ]);
  });
  return toCsv(header, rows);
}

/** The printable report: plain text, one section per CUEC. */
export function cuecReportText(report: CuecReport): string {
  const lines = [
    `Complementary user-entity controls, ${report.period.from} to ${report.period.to}`,
    `Generated ${report.generatedAt}. Population: ${report.reconciliation.populationIncidents} incidents (the audit population of the same period), ` +
      `${report.reconciliation.vendorIncidents} involving a vendor, ${report.reconciliation.exceptionIncidents} counted as exceptions.`,
    '',
  ];
  for (const c of report.cuecs) {
    lines.push(`${c.vendorName} ${c.id} (${c.criteria.join(', ')}): ${c.operated ? 'operated all period' : 'EXCEPTIONS'}`);
    lines.push(`  ${c.text}`);
    lines.push(`  Monitors: rules ${c.evidence.rules.join(', ') || '-'}; sources ${c.evidence.sources.join(', ') || '-'}; duties ${c.evidence.duties.join(', ') || '-'}`);
    if (c.evidence.duties.length > 0) lines.push(`  Vendor notifications: ${c.evidence.notificationsOnTime} of ${c.evidence.notificationsOwed} in time`);
    for (const e of c.exceptions) {
      const told = e.notification ? `; notified ${e.notification.notifiedAt} by ${e.notification.notifiedBy}${e.notification.reference ? ` (${e.notification.reference})` : ''}` : '';
      lines.push(`  - ${e.incidentRef} ${e.ruleId} ${e.severity} ${e.status} ${e.entity}, detected ${e.detectedAt}: ${e.reason}${e.notificationDueAt ? `, due ${e.notificationDueAt}` : ''}${told}`);
    }
    for (const g of c.notEvidenced) lines.push(`  Not evidenced: ${g.source} silent ${g.from} to ${g.to} (${g.incidentRef})`);
    lines.push('');
  }
  return lines.join('\n');
}
