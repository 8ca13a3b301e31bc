import type { Pool } from 'pg';
import { describe, expect, test } from '../../../test/fixtures/services';
import type { NotificationRecord } from '@vigil/incidents';
import { apiOver, bearer, detection, TOKENS, type ApiHarness } from './api-test-helpers';

type App = ApiHarness['app'];

interface IncidentBody {
  incident: Record<string, unknown> & { status: string };
  replayed: boolean;
}

/** INC-1: an open SEV2 brute-force incident detected 2026-01-10T00:05Z. */
async function openIncident(harness: ApiHarness, id = 'bf'): Promise<string> {
  const opened = await harness.store.applyDetection(detection({ id }));
  if (!opened.incident) throw new Error('expected an incident');
  return opened.incident.id;
}

function act(
  app: App,
  id: string,
  segment: string,
  options: { token?: string; body?: unknown; key?: string } = {},
) {
  return app.inject({
    method: 'POST',
    url: `/v1/incidents/${id}/${segment}`,
    headers: {
      ...bearer(options.token ?? TOKENS.responder),
      ...(options.key ? { 'idempotency-key': options.key } : {}),
    },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
}

function patch(app: App, id: string, body: unknown, token: string = TOKENS.responder) {
  return app.inject({
    method: 'PATCH',
    url: `/v1/incidents/${id}`,
    headers: bearer(token),
    payload: body as object,
  });
}

async function timeline(app: App, id: string) {
  const response = await app.inject({
    method: 'GET',
    url: `/v1/incidents/${id}`,
    headers: bearer(TOKENS.viewer),
  });
  const { incident } = response.json() as {
    incident: { timeline: Array<{ kind: string; actor: string; data: Record<string, unknown> }> };
  };
  return incident.timeline;
}

describe('API: incident actions', () => {
  test('a full lifecycle over HTTP, every call in the timeline with its token holder as actor', async ({
    database,
  }) => {
    const harness = await apiOver(database.pool);
    const { app, clock } = harness;
    const id = await openIncident(harness);

    clock.set('2026-02-01T00:01:00.000Z');
    const acked = await act(app, id, 'ack');
    expect(acked.statusCode).toBe(200);
    expect(acked.headers['cache-control']).toBe('no-store');
    expect(acked.json()).toMatchObject({
      replayed: false,
      incident: {
        id,
        seq: 1,
        status: 'acknowledged',
        acknowledgedAt: '2026-02-01T00:01:00.000Z',
        acknowledgedBy: 'api:responder-user',
      },
    });

    const steps: Array<[string, string, unknown, string]> = [
      ['contain', TOKENS.admin, { text: 'account suspended' }, 'contained'],
      ['comment', TOKENS.responder, { text: 'user called back' }, 'contained'],
      ['resolve', TOKENS.responder, { rootCause: 'reused password', remediation: 'reset' }, 'resolved'],
      ['close', TOKENS.admin, { postmortemUrl: 'https://wiki.example.com/pm/1' }, 'closed'],
    ];
    for (const [segment, token, body, status] of steps) {
      const response = await act(app, id, segment, { token, body });
      expect(response.statusCode, segment).toBe(200);
      expect((response.json() as IncidentBody).incident.status, segment).toBe(status);
    }

    expect((await timeline(app, id)).map((entry) => [entry.kind, entry.actor])).toEqual([
      ['detected', 'vigil:identity.brute-force'],
      ['acknowledged', 'api:responder-user'],
      ['contained', 'api:admin-user'],
      ['commented', 'api:responder-user'],
      ['resolved', 'api:responder-user'],
      ['closed', 'api:admin-user'],
    ]);
    const detail = await app.inject({
      method: 'GET',
      url: `/v1/incidents/${id}`,
      headers: bearer(TOKENS.auditor),
    });
    expect(detail.json()).toMatchObject({
      incident: {
        rootCause: 'reused password',
        remediation: 'reset',
        postmortemUrl: 'https://wiki.example.com/pm/1',
        closedBy: 'api:admin-user',
      },
    });
  });

  test('dismissing needs a reason; the reason and the reviewer are recorded', async ({ database }) => {
    const harness = await apiOver(database.pool);
    const id = await openIncident(harness);
    const missing = await act(harness.app, id, 'dismiss', { body: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({
      error: {
        code: 'invalid_request',
        message: 'invalid body',
        details: [{ path: 'reason', message: 'required: say why this is not an incident' }],
      },
    });
    const dismissed = await act(harness.app, id, 'dismiss', { body: { reason: 'red-team exercise RT-7' } });
    expect(dismissed.json()).toMatchObject({
      incident: {
        status: 'dismissed',
        dismissedBy: 'api:responder-user',
        dismissalReason: 'red-team exercise RT-7',
      },
    });
  });

  test('an illegal transition is a 409 naming the state and the action', async ({ database }) => {
    const harness = await apiOver(database.pool);
    const id = await openIncident(harness);
    await act(harness.app, id, 'resolve');
    const response = await act(harness.app, id, 'ack');
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      error: {
        code: 'illegal_transition',
        message:
          'INC-1 is resolved; it cannot be acknowledged. A resolved incident can be closed or commented on.',
      },
    });
    expect((await timeline(harness.app, id)).map((entry) => entry.kind)).toEqual(['detected', 'resolved']);
  });

  test('viewers and auditors may not act: 403, and nothing is recorded', async ({ database }) => {
    const harness = await apiOver(database.pool);
    const id = await openIncident(harness);
    for (const [role, token] of [
      ['viewer', TOKENS.viewer],
      ['auditor', TOKENS.auditor],
    ] as const) {
      for (const segment of ['ack', 'contain', 'resolve', 'close', 'dismiss', 'comment']) {
        const response = await act(harness.app, id, segment, { token, body: { text: 'x' } });
        expect(response.statusCode, `${role} ${segment}`).toBe(403);
        expect(response.json()).toEqual({
          error: { code: 'forbidden', message: `role ${role} may not POST /v1/incidents/:id/${segment}` },
        });
      }
      expect((await patch(harness.app, id, { rootCause: 'x' }, token)).statusCode).toBe(403);
    }
    expect(await timeline(harness.app, id)).toHaveLength(1);
  });

  test('bad requests are 400s naming each field; an unknown incident is a 404', async ({ database }) => {
    const harness = await apiOver(database.pool);
    const id = await openIncident(harness);
    const cases: Array<[string, unknown, string[]]> = [
      ['comment', {}, ['text']],
      ['comment', { text: 'ok', txt: 'typo' }, ['txt']],
      ['ack', { reason: 'not for ack' }, ['reason']],
      ['resolve', { postmortemUrl: 'javascript:alert(1)', rootCause: '' }, ['postmortemUrl', 'rootCause']],
      ['comment', ['text'], ['(root)']],
    ];
    for (const [segment, body, paths] of cases) {
      const response = await act(harness.app, id, segment, { body });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      const { error } = response.json() as { error: { code: string; details: Array<{ path: string }> } };
      expect(error.code).toBe('invalid_request');
      expect(error.details.map((detail) => detail.path).sort(), JSON.stringify(body)).toEqual(paths.sort());
    }
    expect((await act(harness.app, id, 'comment', { body: { txt: 'x' } })).json()).toMatchObject({
      error: { details: [{ path: 'text' }, { path: 'txt', message: 'unknown body parameter' }] },
    });

    const malformed = await act(harness.app, 'INC-1', 'ack');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: { details: [{ path: 'id' }] } });

    const unknown = '2f1b9c4e-8a7d-4e3f-9b6a-1c2d3e4f5a6b';
    const missing = await act(harness.app, unknown, 'ack');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: { code: 'incident_not_found', message: `no incident with id ${unknown}` },
    });
    expect((await patch(harness.app, unknown, { rootCause: 'x' })).statusCode).toBe(404);
  });
});

describe('API: Idempotency-Key', () => {
  test('a retried request is answered with the first result and recorded once', async ({ database }) => {
    const harness = await apiOver(database.pool);
    const id = await openIncident(harness);
    const key = '9b1f0c9e-5d5e-4a39-a0a4-6f1f1c2b7d10';
    const first = await act(harness.app, id, 'ack', { key, body: { text: 'mine' } });
    harness.clock.advance(60_000);
    const retry = await act(harness.app, id, 'ack', { key, body: { text: 'mine' } });
    expect(first.statusCode).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual({ ...(first.json() as IncidentBody), replayed: true });
    expect((await timeline(harness.app, id)).map((entry) => entry.kind)).toEqual([
      'detected',
      'acknowledged',
    ]);
  });

  test('the same key with another body is a 422; keys are per token; a malformed key is a 400', async ({
    database,
  }) => {
    const harness = await apiOver(database.pool);
    const id = await openIncident(harness);
    await act(harness.app, id, 'comment', { key: 'k-1', body: { text: 'one' } });
    const reused = await act(harness.app, id, 'comment', { key: 'k-1', body: { text: 'two' } });
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toEqual({
      error: {
        code: 'idempotency_key_reused',
        message:
          'this Idempotency-Key was already used for a different request; use a new key for a new request',
      },
    });
    // Another client that happens to pick the same key is another request.
    const other = await act(harness.app, id, 'comment', {
      key: 'k-1',
      token: TOKENS.admin,
      body: { text: 'one' },
    });
    expect(other.json()).toMatchObject({ replayed: false });

    const malformed = await act(harness.app, id, 'comment', { key: 'has space', body: { text: 'x' } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: { details: [{ path: 'Idempotency-Key' }] } });
    expect((await timeline(harness.app, id)).map((entry) => entry.actor)).toEqual([
      'vigil:identity.brute-force',
      'api:responder-user',
      'api:admin-user',
    ]);
  });
});

describe('API: PATCH /v1/incidents/:id', () => {
  test('a value PostgreSQL cannot hold (a lone surrogate, a NUL) is a 400, not a 500, and changes nothing', async ({ database }) => {
    const harness = await apiOver(database.pool);
    const id = await openIncident(harness);
    for (const rootCause of ['x\ud800y', 'a\u0000b']) {
      const response = await patch(harness.app, id, { rootCause });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 'invalid_request' } });
    }
    expect((await timeline(harness.app, id)).filter((e: { kind: string }) => e.kind === 'details-updated')).toEqual([]);
  });

  test('sets the post-incident record, and each change lands in the timeline', async ({ database }) => {
    const harness = await apiOver(database.pool);
    const id = await openIncident(harness);
    const response = await patch(harness.app, id, {
      rootCause: 'MFA not enforced for contractors',
      remediation: 'MFA policy applied to the contractor group',
      postmortemUrl: 'https://wiki.example.com/pm/7',
      followUps: [{ title: 'quarterly MFA coverage review', url: 'https://jira.example.com/SEC-9' }],
      dc4Candidate: true,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      incident: {
        rootCause: 'MFA not enforced for contractors',
        followUps: [
          { title: 'quarterly MFA coverage review', url: 'https://jira.example.com/SEC-9', done: false },
        ],
        dc4Candidate: true,
        status: 'open',
      },
    });
    const last = (await timeline(harness.app, id)).at(-1);
    expect(last).toMatchObject({
      kind: 'details-updated',
      actor: 'api:responder-user',
      data: { changes: { rootCause: { from: null, to: 'MFA not enforced for contractors' } } },
    });

    const bad = await patch(harness.app, id, {
      followUps: [{ url: 'https://x.example' }],
      rootcause: 'typo',
    });
    expect(bad.statusCode).toBe(400);
    expect(
      (bad.json() as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path),
    ).toEqual(['followUps.0.title', 'rootcause']);
    const empty = await patch(harness.app, id, {});
    expect(empty.json()).toMatchObject({
      error: { details: [{ path: '(root)', message: 'nothing to change: give at least one field' }] },
    });
  });
});

describe('API: GET /v1/chain/verify', () => {
  async function verify(app: App, token: string) {
    return app.inject({ method: 'GET', url: '/v1/chain/verify', headers: bearer(token) });
  }

  async function alterAsSuperuser(pool: Pool, sql: string): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('SET session_replication_role = replica');
      await client.query(sql);
    } finally {
      await client.query('SET session_replication_role = DEFAULT');
      client.release();
    }
  }

  test('admins and auditors verify the chain; an altered entry is named', async ({ database }) => {
    const harness = await apiOver(database.pool);
    const id = await openIncident(harness);
    await act(harness.app, id, 'ack');
    await act(harness.app, id, 'comment', { body: { text: 'checked the VPN logs' } });

    const intact = await verify(harness.app, TOKENS.auditor);
    expect(intact.statusCode).toBe(200);
    const { rows } = await database.pool.query<{ head_hash: string }>(
      'SELECT head_hash FROM timeline_chain_head',
    );
    expect(intact.json()).toEqual({ ok: true, entries: 3, head: rows[0]?.head_hash });

    await alterAsSuperuser(
      database.pool,
      `UPDATE incident_timeline SET data = '{"text": "nothing to see"}' WHERE kind = 'commented'`,
    );
    const broken = await verify(harness.app, TOKENS.admin);
    expect(broken.statusCode).toBe(200);
    expect(broken.json()).toEqual({
      ok: false,
      firstBrokenId: 3,
      reason: 'content does not match its hash: the entry was altered',
      entry: {
        incidentId: id,
        incidentRef: 'INC-1',
        kind: 'commented',
        actor: 'api:responder-user',
        at: '2026-02-01T00:00:00.000Z',
      },
    });

    for (const token of [TOKENS.viewer, TOKENS.responder]) {
      expect((await verify(harness.app, token)).statusCode).toBe(403);
    }
  });
});

describe('API: notifications of actions', () => {
  test('are handed to the notifier after the commit; a notifier failure does not fail the request', async ({
    database,
  }) => {
    const enqueued: NotificationRecord[][] = [];
    let failNext = false;
    const harness = await apiOver(database.pool, {
      notifier: {
        enqueue: (records) => {
          if (failNext) return Promise.reject(new Error('redis down'));
          enqueued.push(records);
          return Promise.resolve();
        },
      },
    });
    const id = await openIncident(harness);
    await act(harness.app, id, 'ack');
    await act(harness.app, id, 'comment', { body: { text: 'told in the thread' } });
    expect(enqueued.map((records) => records.map((r) => [r.id, r.kind, r.facts?.change]))).toEqual([
      [[`${id}.updated.1`, 'updated', 'acknowledged']],
      [[`${id}.updated.2`, 'updated', 'commented']],
    ]);

    failNext = true;
    const resolved = await act(harness.app, id, 'resolve');
    expect(resolved.statusCode).toBe(200);
    expect(harness.logger.lines.some((line) => line.includes('the outbox sweeper will send them'))).toBe(
      true,
    );
    // Still in the outbox, pending, for the sweeper.
    expect(await harness.store.listUndelivered(0, 10)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: `${id}.resolved.1`, status: 'pending' })]),
    );
  });
});
