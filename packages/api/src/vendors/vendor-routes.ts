import { buildCuecReport, cuecReportCsv, cuecReportText, recordVendorNotification, vendorDutyOf, type VendorsConfig } from '@vigil/incidents';
import type { Clock } from '@vigil/runtime';
import { PeriodBound, safeText, Timestamp } from '@vigil/schema';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { ApiError, invalidRequest } from '../api-errors';
import { AUDIT_READERS } from '../audit/audit-routes';
import { RESPONDERS } from '../incident-action-routes';
import { IncidentParams } from '../incident-routes';
import { principalOf } from '../route-access';

export interface VendorRouteDeps {
  pool: Pool;
  vendors: VendorsConfig;
  clock: Clock;
}

const NotificationBody = z.strictObject({
  /** The vendor told; by default the one the incident owes a notification. */
  vendor: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/).optional(),
  /** When they were told (not in the future); now by default. */
  notifiedAt: Timestamp.optional(),
  /** Who told them; the token holder by default. */
  notifiedBy: safeText().min(1).max(200).optional(),
  /** The vendor's ticket or case number, or how they were told. */
  reference: safeText().min(1).max(500).optional(),
});

const CuecReportParams = z
  .strictObject({ from: PeriodBound, to: PeriodBound, format: z.enum(['json', 'csv', 'text']).default('json') })
  .superRefine((q, ctx) => {
    if (Date.parse(q.from) >= Date.parse(q.to)) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
  });

const YEAR_2000 = Date.parse('2000-01-01T00:00:00Z');

/**
 * `POST /v1/incidents/:id/vendor-notifications`: the vendor was told (a CUEC's response duty);
 * `GET /v1/vendors/cuec-report`: for each vendor and CUEC, whether it operated all of a period.
 */
export function registerVendorRoutes(app: FastifyInstance, deps: VendorRouteDeps): void {
  const notifyDoc = {
    summary: 'Record that the vendor was notified of the incident (who, when, their reference)',
    description:
      'The first record per incident and vendor stands (a repeat answers 200 with it); it is a `vendor-notified` timeline entry and stops the vendor-notification reminder. 409 when the incident owes no configured vendor a notification and none is named.',
    tags: ['incidents'],
    params: IncidentParams,
    body: NotificationBody,
    responses: { 201: { description: '`{ notification, created: true }`' }, 200: { description: 'Already recorded: `{ notification, created: false }`' }, 409: { description: 'No vendor to notify' } },
  };
  app.post('/v1/incidents/:id/vendor-notifications', { config: { access: RESPONDERS, openapi: notifyDoc } }, async (request, reply) => {
    const params = IncidentParams.safeParse(request.params);
    if (!params.success) throw invalidRequest('path', params.error);
    const body = NotificationBody.safeParse(request.body ?? {});
    if (!body.success) throw invalidRequest('body', body.error);
    const now = deps.clock.now();
    const at = body.data.notifiedAt === undefined ? undefined : Date.parse(body.data.notifiedAt);
    if (at !== undefined && (at > now + 60_000 || at < YEAR_2000)) {
      throw new ApiError(400, 'invalid_request', 'invalid body', [{ path: 'notifiedAt', message: 'must be a time since 2000 and not in the future' }]);
    }
    const principal = principalOf(request);
    if (!principal) throw new Error('a vendor route ran without an authenticated principal');
    let vendor = body.data.vendor;
    if (vendor !== undefined && !deps.vendors.vendors.some((v) => v.id === vendor)) {
      throw new ApiError(400, 'invalid_request', 'invalid body', [{ path: 'vendor', message: `no vendor ${vendor} in the vendors file` }]);
    }
    if (vendor === undefined) {
      const { rows } = await deps.pool.query<{ rule_id: string; detected_at: Date }>('SELECT rule_id, detected_at FROM incidents WHERE id = $1', [params.data.id]);
      const row = rows[0];
      if (!row) throw new ApiError(404, 'not_found', `no incident ${params.data.id}`);
      const duty = await vendorDutyOf(deps.pool, deps.vendors, { id: params.data.id, ruleId: row.rule_id, detectedAt: row.detected_at.toISOString() });
      if (!duty) throw new ApiError(409, 'no_vendor_duty', 'this incident owes no configured vendor a notification; name the vendor to record one anyway');
      vendor = duty.vendor;
    }
    const result = await recordVendorNotification(
      deps.pool,
      params.data.id,
      { vendor, ...(body.data.notifiedAt ? { notifiedAt: new Date(body.data.notifiedAt).toISOString() } : {}), ...(body.data.notifiedBy ? { notifiedBy: body.data.notifiedBy } : {}), ...(body.data.reference ? { reference: body.data.reference } : {}) },
      `api:${principal.name}`,
      new Date(now),
    );
    return reply.code(result.created ? 201 : 200).send(result);
  });

  const reportDoc = {
    summary: 'The CUEC report of a period: each vendor control, its evidence, exceptions and unevidenced periods (JSON, CSV or text)',
    description: 'Exceptions are incidents of the audit population of the same period (same query), so the figures reconcile with /v1/audit/population.',
    tags: ['audit'],
    query: CuecReportParams,
    responses: { 200: { description: 'JSON document, CSV (one row per CUEC and exception) or printable text' } },
  };
  app.get('/v1/vendors/cuec-report', { config: { access: AUDIT_READERS, openapi: reportDoc } }, async (request, reply) => {
    const query = CuecReportParams.safeParse(request.query);
    if (!query.success) throw invalidRequest('query', query.error);
    const { from, to, format } = query.data;
    const report = await buildCuecReport(deps.pool, deps.vendors, { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, new Date(deps.clock.now()));
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(cuecReportCsv(report));
    if (format === 'text') return reply.type('text/plain; charset=utf-8').send(cuecReportText(report));
    return report;
  });
}
