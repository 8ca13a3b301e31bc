import { createHash } from 'node:crypto';
import type { PgIncidentStore } from '@vigil/incidents';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { bearer, detection, TOKENS } from '../api-test-helpers';
import { auditApiOver } from './audit-test-helpers';

const JANUARY = 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z';

/** INC-1 open, its title a spreadsheet formula; INC-2 an outage resolved 01-12; INC-3 opened in February. */
async function seed(store: PgIncidentStore): Promise<string[]> {
  const formula = await store.applyDetection(
    detection({ id: 'bf', title: '=HYPERLINK("http://evil.example","Brute force, alice")' }),
  );
  const outage = {
    ruleId: 'availability.service-down',
    dedupKey: 'availability.service-down:service:api',
    criteria: ['A1.2', 'CC7.4'],
    category: 'availability' as const,
    severity: 'SEV1' as const,
    entity: { type: 'service' as const, id: 'api' },
    detectedAt: '2026-01-11T00:00:00.000Z',
  };
  const down = await store.applyDetection(detection({ id: 'down', ...outage }));
  await store.applyDetection(
    detection({ id: 'up', ...outage, status: 'resolved', detectedAt: '2026-01-12T00:00:00.000Z' }),
  );
  await store.applyDetection(detection({ id: 'late', detectedAt: '2026-02-05T00:00:00.000Z' }));
  return [formula.incident?.id ?? '', down.incident?.id ?? ''];
}

const AUDIT_GETS = [
  `/v1/audit/population?${JANUARY}`,
  `/v1/audit/population?${JANUARY}&format=csv`,
  `/v1/audit/summary?${JANUARY}`,
  `/v1/audit/report?${JANUARY}`,
  `/v1/audit/sample?${JANUARY}&seed=jan`,
  '/v1/audit/exports',
];

describe('API: /v1/audit', () => {
  test('auditors and admins may export; viewers and responders may not', async ({ database }) => {
    const { app, store } = await auditApiOver(database.pool);
    const [id] = await seed(store);
    const urls = [...AUDIT_GETS, `/v1/audit/incidents/${id}/timeline`];
    for (const url of urls) {
      for (const role of ['viewer', 'responder'] as const) {
        const refused = await app.inject({ method: 'GET', url, headers: bearer(TOKENS[role]) });
        expect(refused.statusCode, `${role} ${url}`).toBe(403);
        expect(refused.json()).toMatchObject({ error: { code: 'forbidden' } });
      }
      for (const role of ['auditor', 'admin'] as const) {
        const allowed = await app.inject({ method: 'GET', url, headers: bearer(TOKENS[role]) });
        expect(allowed.statusCode, `${role} ${url}`).toBe(200);
      }
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(401);
    }
  });

  test('an auditor cannot act on an incident', async ({ database }) => {
    const { app, store } = await auditApiOver(database.pool);
    const [id] = await seed(store);
    const response = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${id}/ack`,
      headers: bearer(TOKENS.auditor),
      payload: {},
    });
    expect(response.statusCode).toBe(403);
    expect((await store.getIncident(id ?? ''))?.status).toBe('open');
  });

  test('population as JSON: the incidents, the query and parameters behind them, counts and checks', async ({
    database,
  }) => {
    const { app, store } = await auditApiOver(database.pool);
    await seed(store);
    const response = await app.inject({
      method: 'GET',
      url: `/v1/audit/population?${JANUARY}`,
      headers: bearer(TOKENS.auditor),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = response.json<{
      period: unknown;
      incidents: Array<{ seq: number }>;
      queries: Array<{ sql: string; parameters: unknown[]; rows: number }>;
      counts: { incidents: number; openAtEnd: number };
      sequence: { contiguous: boolean; lastIssued: number };
      chain: { ok: boolean; entries: number };
    }>();
    expect(body.period).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
    expect(body.incidents.map((incident) => incident.seq)).toEqual([1, 2]);
    expect(body.queries[0]).toMatchObject({
      sql: expect.stringContaining('FROM incidents'),
      parameters: [
        { name: 'from', value: '2026-01-01T00:00:00.000Z' },
        { name: 'to', value: '2026-02-01T00:00:00.000Z' },
      ],
      rows: 2,
    });
    expect(body.counts).toMatchObject({ incidents: 2, openAtEnd: 1 });
    expect(body.sequence).toMatchObject({ contiguous: true, lastIssued: 3 });
    expect(body.chain).toMatchObject({ ok: true, entries: 4 });
  });

  test('population as CSV: quoted, formula-safe, a file to save', async ({ database }) => {
    const { app, store } = await auditApiOver(database.pool);
    await seed(store);
    const response = await app.inject({
      method: 'GET',
      url: `/v1/audit/population?${JANUARY}&format=csv`,
      headers: bearer(TOKENS.admin),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="population_20260101T000000Z_20260201T000000Z.csv"',
    );
    const lines = response.body.split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^seq,ref,id,rule_id,rule_version,title,criteria,/);
    expect(lines[1]).toContain(
      ',"\'=HYPERLINK(""http://evil.example"",""Brute force, alice"")",CC7.2;CC7.3,',
    );
    expect(lines[2]).toMatch(/^2,INC-2,/);
  });

  test('summary and report for the period', async ({ database }) => {
    const { app, store } = await auditApiOver(database.pool);
    await seed(store);
    const summary = await app.inject({
      method: 'GET',
      url: `/v1/audit/summary?${JANUARY}`,
      headers: bearer(TOKENS.auditor),
    });
    expect(summary.json()).toMatchObject({
      bySeverity: { SEV1: 1, SEV2: 1 },
      byCategory: { security: 1, availability: 1 },
      byCriterion: { 'A1.2': 1, 'CC7.2': 1, 'CC7.3': 1, 'CC7.4': 1 },
      responseTimes: { resolve: { count: 1, medianSeconds: 86_400 } },
      openAtEnd: [{ ref: 'INC-1' }],
    });

    const report = await app.inject({
      method: 'GET',
      url: `/v1/audit/report?${JANUARY}`,
      headers: bearer(TOKENS.auditor),
    });
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(report.headers['content-security-policy']).toContain("default-src 'none'");
    const chain = await app.inject({
      method: 'GET',
      url: '/v1/chain/verify',
      headers: bearer(TOKENS.auditor),
    });
    expect(report.body).toContain(chain.json<{ head: string }>().head);
    expect(report.body).toContain('@media print');
    expect(report.body).toContain('<svg');
  });

  test('sample: reproducible for a seed, sized by the table or the request, with timelines', async ({
    database,
  }) => {
    const { app, store } = await auditApiOver(database.pool);
    for (let i = 0; i < 12; i++) {
      await store.applyDetection(detection({ id: `s${i}`, detectedAt: `2026-01-${10 + i}T00:00:00.000Z` }));
    }
    const get = async (query: string) =>
      (
        await app.inject({
          method: 'GET',
          url: `/v1/audit/sample?${JANUARY}&${query}`,
          headers: bearer(TOKENS.auditor),
        })
      ).json<{
        size: number;
        sizeRule: string;
        selected: Array<{ seq: number; hash: string }>;
        incidents: Array<{ seq: number; timeline: Array<{ kind: string }> }>;
      }>();
    const first = await get('seed=FY26');
    expect(first).toMatchObject({ size: 5, sizeRule: 'table' });
    expect((await get('seed=FY26')).selected).toEqual(first.selected);
    expect(first.selected.every((entry) => entry.hash === sha256(`FY26:${entry.seq}`))).toBe(true);
    expect(first.incidents.map((incident) => incident.timeline[0]?.kind)).toEqual(Array(5).fill('detected'));
    expect(await get('seed=FY26&size=3')).toMatchObject({ size: 3, sizeRule: 'requested' });

    const missingSeed = await app.inject({
      method: 'GET',
      url: `/v1/audit/sample?${JANUARY}`,
      headers: bearer(TOKENS.auditor),
    });
    expect(missingSeed.statusCode).toBe(400);
    expect(missingSeed.json()).toMatchObject({ error: { details: [{ path: 'seed' }] } });
  });

  test('timeline of one incident, in chain order with hashes; 404 for an unknown one', async ({
    database,
  }) => {
    const { app, store } = await auditApiOver(database.pool);
    const [, outage] = await seed(store);
    const response = await app.inject({
      method: 'GET',
      url: `/v1/audit/incidents/${outage}/timeline`,
      headers: bearer(TOKENS.auditor),
    });
    const body = response.json<{
      incident: { ref: string };
      timeline: Array<{ id: number; kind: string; hash: string }>;
    }>();
    expect(body.incident.ref).toBe('INC-2');
    expect(body.timeline.map((entry) => [entry.id, entry.kind])).toEqual([
      [2, 'detected'],
      [3, 'resolved'],
    ]);
    expect(body.timeline[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
    const unknown = await app.inject({
      method: 'GET',
      url: '/v1/audit/incidents/00000000-0000-4000-8000-000000000000/timeline',
      headers: bearer(TOKENS.auditor),
    });
    expect(unknown.statusCode).toBe(404);
  });

  test('date-only period bounds are midnight UTC, the same population as the full timestamps', async ({
    database,
  }) => {
    const { app } = await auditApiOver(database.pool);
    const dated = await app.inject({
      method: 'GET',
      url: '/v1/audit/population?from=2026-01-01&to=2026-02-01',
      headers: bearer(TOKENS.auditor),
    });
    expect(dated.statusCode).toBe(200);
    expect(dated.json<{ period: unknown }>().period).toEqual({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
    });
    const backwards = await app.inject({
      method: 'GET',
      url: '/v1/audit/summary?from=2026-02-01&to=2026-01-01',
      headers: bearer(TOKENS.auditor),
    });
    expect(backwards.statusCode).toBe(400);
  });

  test('a bad period or an unknown parameter is a 400 naming it, and is not recorded', async ({
    database,
  }) => {
    const { app } = await auditApiOver(database.pool);
    const cases: Array<[string, string]> = [
      ['/v1/audit/population?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
      ['/v1/audit/population?from=yesterday&to=2026-01-01T00:00:00Z', 'from'],
      [`/v1/audit/population?${JANUARY}&format=xlsx`, 'format'],
      [`/v1/audit/summary?${JANUARY}&status=open`, 'status'],
      ['/v1/audit/report?from=2026-01-01T00:00:00Z', 'to'],
    ];
    for (const [url, path] of cases) {
      const response = await app.inject({ method: 'GET', url, headers: bearer(TOKENS.auditor) });
      expect(response.statusCode, url).toBe(400);
      expect(response.json(), url).toMatchObject({ error: { code: 'invalid_request', details: [{ path }] } });
    }
    const exports = await app.inject({
      method: 'GET',
      url: '/v1/audit/exports',
      headers: bearer(TOKENS.admin),
    });
    expect(exports.json()).toEqual({ exports: [], nextBefore: null });
  });

  test('every export is recorded: who, when, period, format, rows, and the digest of what was sent', async ({
    database,
  }) => {
    const { app, store } = await auditApiOver(database.pool);
    const [id] = await seed(store);
    const sent: Array<{ body: string; exportId: string; digest: string }> = [];
    for (const [url, token] of [
      [`/v1/audit/population?${JANUARY}&format=csv`, TOKENS.auditor],
      [`/v1/audit/summary?${JANUARY}`, TOKENS.admin],
      [`/v1/audit/sample?${JANUARY}&seed=s1&size=1`, TOKENS.auditor],
      [`/v1/audit/incidents/${id}/timeline`, TOKENS.auditor],
    ] as const) {
      const response = await app.inject({ method: 'GET', url, headers: bearer(token) });
      sent.push({
        body: response.body,
        exportId: String(response.headers['x-vigil-export-id']),
        digest: String(response.headers['x-vigil-content-sha256']),
      });
    }
    for (const { body, digest } of sent) expect(digest).toBe(sha256(body));

    const listed = await app.inject({
      method: 'GET',
      url: '/v1/audit/exports',
      headers: bearer(TOKENS.auditor),
    });
    const january = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };
    expect(listed.json()).toEqual({
      nextBefore: null,
      exports: [
        {
          id: 4,
          at: '2026-03-10T00:00:00.000Z',
          principal: 'api:auditor-user',
          role: 'auditor',
          kind: 'timeline',
          format: 'json',
          period: null,
          rowCount: 1,
          parameters: { incidentId: id },
          contentSha256: sent[3]?.digest,
        },
        expect.objectContaining({
          id: 3,
          kind: 'sample',
          rowCount: 1,
          parameters: { seed: 's1', size: 1, sizeRule: 'requested' },
        }),
        expect.objectContaining({
          id: 2,
          principal: 'api:admin-user',
          role: 'admin',
          kind: 'summary',
          rowCount: 2,
        }),
        expect.objectContaining({
          id: 1,
          principal: 'api:auditor-user',
          kind: 'population',
          format: 'csv',
          period: january,
          rowCount: 2,
          contentSha256: sent[0]?.digest,
        }),
      ],
    });
    expect(sent.map((entry) => entry.exportId)).toEqual(['1', '2', '3', '4']);

    const paged = await app.inject({
      method: 'GET',
      url: '/v1/audit/exports?limit=3',
      headers: bearer(TOKENS.admin),
    });
    expect(paged.json()).toMatchObject({ nextBefore: 2 });
    const rest = await app.inject({
      method: 'GET',
      url: '/v1/audit/exports?limit=3&before=2',
      headers: bearer(TOKENS.admin),
    });
    expect(rest.json()).toMatchObject({ exports: [{ id: 1 }], nextBefore: null });
    // The record is append-only.
    await expect(database.pool.query('DELETE FROM audit_exports')).rejects.toThrow(/not allowed/);
  });
});

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
