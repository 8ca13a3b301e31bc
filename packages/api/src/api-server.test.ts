import { describe, expect, test } from '../../../test/fixtures/services';
import type { PgIncidentStore } from '@vigil/incidents';
import { buildApiServer } from './api-server';
import { apiOver, bearer, detection, RecordingLogger, TOKENS } from './api-test-helpers';
import { hashToken } from './api-tokens';

/** INC-1 open security; INC-2 availability, resolved 01-12; INC-3 open security, opened 01-20. */
async function seed(store: PgIncidentStore): Promise<void> {
  await store.applyDetection(detection({ id: 'bf' }));
  const outage = {
    ruleId: 'availability.service-down',
    dedupKey: 'availability.service-down:service:api',
    criteria: ['A1.2', 'CC7.4'],
    category: 'availability' as const,
    entity: { type: 'service' as const, id: 'api' },
    detectedAt: '2026-01-11T00:00:00.000Z',
  };
  await store.applyDetection(detection({ id: 'down', ...outage }));
  await store.applyDetection(
    detection({ id: 'up', ...outage, status: 'resolved', detectedAt: '2026-01-12T00:00:00.000Z' }),
  );
  await store.applyDetection(detection({ id: 'admin', detectedAt: '2026-01-20T00:00:00.000Z' }));
}

describe('API: authentication', () => {
  test('healthz answers without a token', async ({ database }) => {
    const { app } = await apiOver(database.pool);
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  test('no token: 401 with a Bearer challenge', async ({ database }) => {
    const { app } = await apiOver(database.pool);
    const response = await app.inject({ method: 'GET', url: '/v1/incidents' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="vigil"');
    expect(response.json()).toEqual({
      error: { code: 'unauthorized', message: 'this endpoint needs an Authorization: Bearer <token> header' },
    });
  });

  test('a wrong token: 401 that neither echoes nor logs it', async ({ database }) => {
    const { app, logger } = await apiOver(database.pool);
    const wrong = 'wrong-token-8f3a91c2';
    for (const authorization of [`Bearer ${wrong}`, `Basic ${wrong}`, 'Bearer']) {
      const response = await app.inject({ method: 'GET', url: '/v1/incidents', headers: { authorization } });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="vigil", error="invalid_token"');
      expect(response.json()).toEqual({
        error: { code: 'unauthorized', message: 'the bearer token is not valid' },
      });
      expect(response.body).not.toContain(wrong);
    }
    await app.inject({ method: 'GET', url: '/v1/incidents', headers: bearer(TOKENS.viewer) });
    const logged = logger.lines.join('\n');
    expect(logged).toContain('rejected API token');
    expect(logged).not.toContain(wrong);
    expect(logged).not.toContain(TOKENS.viewer);
  });

  test('every role may read; a route that declares no roles is for admins only', async ({ database }) => {
    const { app } = await apiOver(database.pool);
    app.get('/v1/undeclared', async () => ({ ok: true }));
    for (const token of Object.values(TOKENS)) {
      const response = await app.inject({ method: 'GET', url: '/v1/incidents', headers: bearer(token) });
      expect(response.statusCode).toBe(200);
    }
    const viewer = await app.inject({ method: 'GET', url: '/v1/undeclared', headers: bearer(TOKENS.viewer) });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json()).toEqual({
      error: { code: 'forbidden', message: 'role viewer may not GET /v1/undeclared' },
    });
    const admin = await app.inject({ method: 'GET', url: '/v1/undeclared', headers: bearer(TOKENS.admin) });
    expect(admin.statusCode).toBe(200);
  });

  test('an unknown route is a JSON 404', async ({ database }) => {
    const { app } = await apiOver(database.pool);
    const response = await app.inject({
      method: 'GET',
      url: '/v1/nothing?x=1',
      headers: bearer(TOKENS.viewer),
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /v1/nothing' } });
  });
});

describe('API: GET /v1/incidents', () => {
  async function list(app: Awaited<ReturnType<typeof apiOver>>['app'], query: string) {
    const response = await app.inject({
      method: 'GET',
      url: `/v1/incidents${query}`,
      headers: bearer(TOKENS.auditor),
    });
    return response;
  }

  test('filters by period, status and criteria', async ({ database }) => {
    const { app, store } = await apiOver(database.pool);
    await seed(store);
    const seqs = async (query: string) => {
      const response = await list(app, query);
      expect(response.statusCode).toBe(200);
      return (response.json() as { incidents: Array<{ seq: number }> }).incidents.map(
        (incident) => incident.seq,
      );
    };
    expect(await seqs('')).toEqual([1, 2, 3]);
    expect(await seqs('?from=2026-01-13T00:00:00Z&to=2026-01-15T00:00:00Z')).toEqual([1]);
    expect(await seqs('?from=2026-01-11T12:00:00Z&to=2026-01-15T00:00:00Z')).toEqual([1, 2]);
    expect(await seqs('?status=open')).toEqual([1, 3]);
    expect(await seqs('?status=resolved,closed')).toEqual([2]);
    expect(await seqs('?criteria=A1.2')).toEqual([2]);
    expect(await seqs('?criteria=CC7.3&status=open&status=acknowledged')).toEqual([1, 3]);
  });

  test('returns incidents with their register fields, a page at a time', async ({ database }) => {
    const { app, store } = await apiOver(database.pool);
    await seed(store);
    const first = await list(app, '?limit=2');
    const body = first.json() as { incidents: Array<Record<string, unknown>>; nextCursor: string | null };
    expect(body.incidents).toHaveLength(2);
    expect(body.incidents[0]).toMatchObject({
      seq: 1,
      ruleId: 'identity.brute-force',
      status: 'open',
      criteria: ['CC7.2', 'CC7.3'],
      entity: { type: 'user', id: 'alice@example.com' },
      detectedAt: '2026-01-10T00:05:00.000Z',
    });
    expect(body.nextCursor).toEqual(expect.any(String));
    const second = await list(app, `?limit=2&cursor=${encodeURIComponent(body.nextCursor ?? '')}`);
    expect(second.json()).toMatchObject({ incidents: [{ seq: 3 }], nextCursor: null });
  });

  test('a bad query is a 400 naming each bad field', async ({ database }) => {
    const { app } = await apiOver(database.pool);
    const cases: Array<[string, string[]]> = [
      ['?from=yesterday', ['from']],
      ['?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', ['from']],
      ['?status=open,bogus', ['status.1']],
      ['?criteria=CC7.2,soc2', ['criteria.1']],
      ['?limit=0&to=soon', ['to', 'limit']],
      ['?limit=501', ['limit']],
      ['?stauts=open', ['stauts']],
      ['?cursor=not-a-cursor', ['cursor']],
    ];
    for (const [query, paths] of cases) {
      const response = await list(app, query);
      expect(response.statusCode, query).toBe(400);
      const body = response.json() as {
        error: { code: string; details: Array<{ path: string; message: string }> };
      };
      expect(body.error.code, query).toBe('invalid_request');
      expect(body.error.details.map((detail) => detail.path).sort(), query).toEqual([...paths].sort());
    }
  });
});

describe('API: GET /v1/incidents/:id', () => {
  test('the incident with its timeline in order, evidence and communications', async ({ database }) => {
    const { app, store } = await apiOver(database.pool);
    await seed(store);
    const [outage] = (await store.listIncidents({ status: ['resolved'] })).incidents;
    const opened = (await store.getIncident(outage?.id ?? ''))?.notifications[0];
    await store.recordDelivery(opened?.id ?? '', [
      { method: 'chat.postMessage', channel: 'C0SRE', ts: '1768089600.000200', text: 'INC-2 api is down' },
    ]);

    const response = await app.inject({
      method: 'GET',
      url: `/v1/incidents/${outage?.id}`,
      headers: bearer(TOKENS.viewer),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const { incident } = response.json() as {
      incident: {
        seq: number;
        status: string;
        slack: unknown;
        timeline: Array<{ id: number; kind: string; prevHash: string; hash: string }>;
        evidence: Array<{ eventId: string; offset: string }>;
        communications: Array<{ channel: string; ts: string }>;
      };
    };
    expect(incident).toMatchObject({
      seq: 2,
      status: 'resolved',
      slack: { channel: 'C0SRE', ts: '1768089600.000200' },
    });
    expect(incident.timeline.map((entry) => entry.kind)).toEqual(['detected', 'resolved', 'notified']);
    const ids = incident.timeline.map((entry) => entry.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(incident.evidence.map((entry) => [entry.eventId, entry.offset])).toEqual([
      ['okta:down', '7'],
      ['okta:up', '7'],
    ]);
    expect(incident.communications).toEqual([
      expect.objectContaining({ channel: 'C0SRE', ts: '1768089600.000200' }),
    ]);
  });

  test('an unknown id is a 404 saying so; a malformed one is a 400', async ({ database }) => {
    const { app } = await apiOver(database.pool);
    const unknown = '2f1b9c4e-8a7d-4e3f-9b6a-1c2d3e4f5a6b';
    const missing = await app.inject({
      method: 'GET',
      url: `/v1/incidents/${unknown}`,
      headers: bearer(TOKENS.viewer),
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: { code: 'incident_not_found', message: `no incident with id ${unknown}` },
    });

    const malformed = await app.inject({
      method: 'GET',
      url: '/v1/incidents/INC-1',
      headers: bearer(TOKENS.viewer),
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({
      error: {
        code: 'invalid_request',
        details: [{ path: 'id', message: 'must be an incident id (a UUID)' }],
      },
    });
  });
});

describe('API: failures', () => {
  test('a store failure is a JSON 500 that keeps its details in the log', async () => {
    const logger = new RecordingLogger();
    const failing = new Error('connect ECONNREFUSED postgres://vigil:hunter2@db:5432/vigil');
    const app = buildApiServer({
      store: {
        getIncident: () => Promise.reject(failing),
        listIncidents: () => Promise.reject(failing),
        transition: () => Promise.reject(failing),
        updateDetails: () => Promise.reject(failing),
        verifyChain: () => Promise.reject(failing),
      },
      logger,
      tokens: [{ name: 'viewer-user', role: 'viewer', sha256: hashToken(TOKENS.viewer) }],
    });
    const response = await app.inject({
      method: 'GET',
      url: '/v1/incidents',
      headers: bearer(TOKENS.viewer),
    });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: { code: 'internal_error', message: 'internal error; see the server log' },
    });
    expect(response.body).not.toContain('hunter2');
    expect(
      logger.lines.some((line) => line.includes('request failed') && line.includes('ECONNREFUSED')),
    ).toBe(true);
  });
});
