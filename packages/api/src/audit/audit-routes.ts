import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  auditPeriod,
  compactTime,
  incidentRef,
  populationCsv,
  populationDocument,
  queryText,
  renderAuditReport,
  sampleDocument,
  summarisePopulation,
  type AuditPeriod,
  type AuditRegister,
  type ExportFormat,
  type ExportKind,
} from '@vigil/incidents';
import type { Logger } from '@vigil/telemetry';
import { ApiError, invalidRequest } from '../api-errors';
import { principalOf, type RouteAccess } from '../route-access';
import { AuditPeriodParams, ExportsParams, PopulationParams, SampleParams } from './audit-params';
import { AUDIT_ROUTE_DOCS } from './audit-route-docs';
import type { DatabaseTokens } from './database-tokens';

/** Auditors and admins; viewers and responders see incidents, not exports of the register. */
export const AUDIT_READERS: RouteAccess = { roles: ['auditor', 'admin'] };

export interface AuditRoutesOptions {
  register: AuditRegister;
  logger: Logger;
}

/** What `buildApiServer` takes to serve /v1/audit and accept database tokens. */
export interface AuditApiOptions {
  /** The register's auditor views, e.g. `new PgAuditRegister({ pool, clock })`. */
  register: AuditRegister;
  /**
   * Tokens issued with the tokens CLI, accepted next to the configured ones. The caller starts it before the
   * server listens and stops it after the server closes.
   */
  databaseTokens?: DatabaseTokens;
}

const TimelineParams = z.object({ id: z.guid('must be an incident id (a UUID)') });

const CONTENT_TYPES: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  html: 'text/html; charset=utf-8',
  bundle: 'application/octet-stream',
};

/** The report is self-contained: no script, nothing fetched. The browser is told so. */
const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/**
 * The auditor views of the register. Every export is recorded in `audit_exports` (who, when, period, format,
 * rows, digest of the body) before it is sent; if it cannot be recorded, it is not sent.
 */
export function registerAuditRoutes(app: FastifyInstance, options: AuditRoutesOptions): void {
  const { register } = options;
  const logger = options.logger.child({ component: 'audit-routes' });

  async function send(
    request: FastifyRequest,
    reply: FastifyReply,
    exported: {
      kind: ExportKind;
      format: ExportFormat;
      period: AuditPeriod | null;
      rowCount: number;
      parameters?: Record<string, unknown>;
      body: string;
      fileName?: string;
    },
  ): Promise<FastifyReply> {
    const principal = principalOf(request);
    if (!principal) throw new Error('audit route reached without an authenticated principal');
    const digest = createHash('sha256').update(exported.body, 'utf8').digest('hex');
    const record = await register.recordExport({
      principal: `api:${principal.name}`,
      role: principal.role,
      kind: exported.kind,
      format: exported.format,
      period: exported.period,
      rowCount: exported.rowCount,
      parameters: exported.parameters ?? {},
      contentSha256: digest,
    });
    logger.info(
      {
        exportId: record.id,
        kind: exported.kind,
        format: exported.format,
        rows: exported.rowCount,
        principal: principal.name,
      },
      'audit export',
    );
    reply.header('x-vigil-export-id', String(record.id));
    reply.header('x-vigil-content-sha256', digest);
    if (exported.fileName) reply.header('content-disposition', `attachment; filename="${exported.fileName}"`);
    return reply.type(CONTENT_TYPES[exported.format]).send(exported.body);
  }

  app.get('/v1/audit/population', { config: { access: AUDIT_READERS, openapi: AUDIT_ROUTE_DOCS.population } }, async (request, reply) => {
    const query = PopulationParams.safeParse(request.query);
    if (!query.success) throw invalidRequest('query', query.error);
    const range = auditPeriod(query.data);
    const population = await register.population(range);
    const csv = query.data.format === 'csv';
    return send(request, reply, {
      kind: 'population',
      format: query.data.format,
      period: population.period,
      rowCount: population.counts.incidents,
      body: csv ? populationCsv(population) : JSON.stringify(populationDocument(population)),
      ...(csv ? { fileName: `population_${compactTime(range.from)}_${compactTime(range.to)}.csv` } : {}),
    });
  });

  app.get('/v1/audit/summary', { config: { access: AUDIT_READERS, openapi: AUDIT_ROUTE_DOCS.summary } }, async (request, reply) => {
    const query = AuditPeriodParams.safeParse(request.query);
    if (!query.success) throw invalidRequest('query', query.error);
    const population = await register.population(auditPeriod(query.data));
    return send(request, reply, {
      kind: 'summary',
      format: 'json',
      period: population.period,
      rowCount: population.counts.incidents,
      body: JSON.stringify(summarisePopulation(population)),
    });
  });

  app.get('/v1/audit/report', { config: { access: AUDIT_READERS, openapi: AUDIT_ROUTE_DOCS.report } }, async (request, reply) => {
    const query = AuditPeriodParams.safeParse(request.query);
    if (!query.success) throw invalidRequest('query', query.error);
    const population = await register.population(auditPeriod(query.data));
    reply.header('content-security-policy', REPORT_CSP);
    return send(request, reply, {
      kind: 'report',
      format: 'html',
      period: population.period,
      rowCount: population.counts.incidents,
      body: renderAuditReport({
        summary: summarisePopulation(population),
        population,
        queryText: queryText(population),
      }),
    });
  });

  app.get('/v1/audit/sample', { config: { access: AUDIT_READERS, openapi: AUDIT_ROUTE_DOCS.sample } }, async (request, reply) => {
    const query = SampleParams.safeParse(request.query);
    if (!query.success) throw invalidRequest('query', query.error);
    const sample = await register.sample(auditPeriod(query.data), query.data.seed, query.data.size);
    return send(request, reply, {
      kind: 'sample',
      format: 'json',
      period: sample.population.period,
      rowCount: sample.choice.size,
      parameters: { seed: sample.choice.seed, size: sample.choice.size, sizeRule: sample.choice.sizeRule },
      body: JSON.stringify(sampleDocument(sample)),
    });
  });

  app.get(
    '/v1/audit/incidents/:id/timeline',
    { config: { access: AUDIT_READERS, openapi: AUDIT_ROUTE_DOCS.timeline } },
    async (request, reply) => {
      const params = TimelineParams.safeParse(request.params);
      if (!params.success) throw invalidRequest('path', params.error);
      const incident = await register.incident(params.data.id);
      if (!incident) throw new ApiError(404, 'incident_not_found', `no incident with id ${params.data.id}`);
      return send(request, reply, {
        kind: 'timeline',
        format: 'json',
        period: null,
        rowCount: incident.timeline.length,
        parameters: { incidentId: incident.id },
        body: JSON.stringify({
          incident: {
            id: incident.id,
            ref: incidentRef(incident.seq),
            seq: incident.seq,
            title: incident.title,
            status: incident.status,
          },
          timeline: incident.timeline,
          evidence: incident.evidence,
          communications: incident.communications,
        }),
      });
    },
  );

  app.get('/v1/audit/exports', { config: { access: AUDIT_READERS, openapi: AUDIT_ROUTE_DOCS.exports } }, async (request) => {
    const query = ExportsParams.safeParse(request.query);
    if (!query.success) throw invalidRequest('query', query.error);
    return register.listExports(query.data);
  });
}
