import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  MONTH_PATTERN,
  MaintenanceDeclaration,
  ServiceId,
  monthContaining,
  monthLabel,
  monthPeriod,
  type AvailabilityStore,
  type ServiceAvailability,
  type ServiceCommitment,
  type ServicesConfig,
} from '@vigil/incidents';
import type { Clock } from '@vigil/runtime';
import { Timestamp } from '@vigil/schema';
import { ApiError, invalidRequest } from '../api-errors';
import { RESPONDERS } from '../incident-action-routes';
import { ANY_ROLE, principalOf } from '../route-access';
import { availabilityCsv } from './availability-report-csv';
import { reportHtml, AVAILABILITY_REPORT_CSP } from './availability-report-html';
import { availabilityRouteDocs } from './availability-route-docs';

export interface AvailabilityRouteDeps {
  store: AvailabilityStore;
  services: ServicesConfig;
  clock: Clock;
}

const Month = z.string().regex(MONTH_PATTERN, 'expected a month such as 2026-11');

/** `?month=2026-11`, or `?from&to`, or neither for the current calendar month (UTC). */
export const AvailabilityQuery = z
  .strictObject({ from: Timestamp.optional(), to: Timestamp.optional(), month: Month.optional() })
  .superRefine((query, ctx) => {
    if (query.month !== undefined && (query.from !== undefined || query.to !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['month'], message: 'give month, or from and to, not both' });
    } else if ((query.from === undefined) !== (query.to === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [query.from === undefined ? 'from' : 'to'],
        message: 'give from and to together (or month, or neither for the current month)',
      });
    } else if (
      query.from !== undefined &&
      query.to !== undefined &&
      !(Date.parse(query.to) > Date.parse(query.from))
    ) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    }
  });

export const ReportQuery = z.strictObject({
  month: Month.optional(),
  format: z.enum(['json', 'html', 'csv']).default('json'),
});

export const MaintenanceListQuery = z
  .strictObject({ service: ServiceId.optional(), from: Timestamp.optional(), to: Timestamp.optional() })
  .superRefine((query, ctx) => {
    if (
      query.from !== undefined &&
      query.to !== undefined &&
      !(Date.parse(query.to) > Date.parse(query.from))
    ) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    }
  });

const ServiceParams = z.object({ service: z.string() });

/** Availability per service against its commitment, the monthly report, and maintenance windows. */
export function registerAvailabilityRoutes(app: FastifyInstance, deps: AvailabilityRouteDeps): void {
  const byId = new Map(deps.services.services.map((service) => [service.id, service]));
  const now = () => new Date(deps.clock.now()).toISOString();
  const docs = availabilityRouteDocs({
    period: AvailabilityQuery,
    report: ReportQuery,
    maintenanceList: MaintenanceListQuery,
    maintenance: MaintenanceDeclaration,
    service: ServiceParams,
  });

  app.get('/v1/availability', { config: { access: ANY_ROLE, openapi: docs.list } }, async (request) => {
    const period = periodOf(request, deps.clock);
    const services = await deps.store.availability(deps.services.services, period);
    return { ...period, generatedAt: now(), services };
  });

  app.get('/v1/availability/report', { config: { access: ANY_ROLE, openapi: docs.report } }, async (request, reply) => {
    const query = ReportQuery.safeParse(request.query);
    if (!query.success) throw invalidRequest('query', query.error);
    const month = query.data.month ?? monthLabel(deps.clock.now());
    const bounds = monthPeriod(month);
    const period = { from: new Date(bounds.start).toISOString(), to: new Date(bounds.end).toISOString() };
    const services = await deps.store.availability(deps.services.services, period);
    const report = { month, ...period, generatedAt: now(), summary: summarise(services), services };
    if (query.data.format === 'json') return report;
    if (query.data.format === 'csv') {
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `attachment; filename="vigil-availability-${month}.csv"`)
        .send(availabilityCsv(services));
    }
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', AVAILABILITY_REPORT_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', `inline; filename="vigil-availability-${month}.html"`)
      .send(reportHtml(report));
  });

  app.get('/v1/availability/maintenance', { config: { access: ANY_ROLE, openapi: docs.maintenanceList } }, async (request) => {
    const query = MaintenanceListQuery.safeParse(request.query);
    if (!query.success) throw invalidRequest('query', query.error);
    return { windows: await deps.store.listMaintenance(query.data) };
  });

  app.post('/v1/availability/maintenance', { config: { access: RESPONDERS, openapi: docs.maintenance } }, async (request, reply) => {
    const body = MaintenanceDeclaration.safeParse(request.body ?? {});
    if (!body.success) throw invalidRequest('body', body.error);
    if (!byId.has(body.data.service)) {
      throw new ApiError(400, 'invalid_request', 'invalid body', [
        { path: 'service', message: `no service ${body.data.service} in the services file` },
      ]);
    }
    const principal = principalOf(request);
    if (!principal) throw new Error('a maintenance declaration ran without an authenticated principal');
    const window = await deps.store.declareMaintenance(body.data, { actor: `api:${principal.name}` });
    return reply.code(201).send({ window });
  });

  app.get('/v1/availability/:service', { config: { access: ANY_ROLE, openapi: docs.service } }, async (request) => {
    const service = serviceOf(request, byId);
    const period = periodOf(request, deps.clock);
    const [availability] = await deps.store.availability([service], period);
    return { ...period, generatedAt: now(), availability };
  });
}

function periodOf(request: FastifyRequest, clock: Clock): { from: string; to: string } {
  const query = AvailabilityQuery.safeParse(request.query);
  if (!query.success) throw invalidRequest('query', query.error);
  if (query.data.from !== undefined && query.data.to !== undefined) {
    return { from: new Date(query.data.from).toISOString(), to: new Date(query.data.to).toISOString() };
  }
  const bounds =
    query.data.month !== undefined ? monthPeriod(query.data.month) : monthContaining(clock.now());
  return { from: new Date(bounds.start).toISOString(), to: new Date(bounds.end).toISOString() };
}

function serviceOf(request: FastifyRequest, byId: ReadonlyMap<string, ServiceCommitment>): ServiceCommitment {
  const params = ServiceParams.safeParse(request.params);
  if (!params.success) throw invalidRequest('path', params.error);
  const service = byId.get(params.data.service);
  if (!service) {
    throw new ApiError(404, 'service_not_found', `no service ${params.data.service} in the services file`);
  }
  return service;
}

export interface AvailabilitySummary {
  services: number;
  /** Services within their commitment's allowance with enough of the period monitored. */
  met: number;
  /** Downtime past the allowance. */
  breached: string[];
  /** Within the allowance, but too little of the period monitored to say the commitment was met. */
  notEvidenced: string[];
  /** Sum over services (each service's own merged downtime). */
  downtimeSeconds: number;
}

export function summarise(services: readonly ServiceAvailability[]): AvailabilitySummary {
  return {
    services: services.length,
    met: services.filter((s) => s.commitment.met).length,
    breached: services.filter((s) => s.commitment.status === 'breached').map((s) => s.service.id),
    notEvidenced: services.filter((s) => s.commitment.status === 'not-evidenced').map((s) => s.service.id),
    downtimeSeconds: services.reduce((sum, s) => sum + s.downtimeSeconds, 0),
  };
}

export interface AvailabilityReport {
  month: string;
  from: string;
  to: string;
  generatedAt: string;
  summary: AvailabilitySummary;
  services: ServiceAvailability[];
}
