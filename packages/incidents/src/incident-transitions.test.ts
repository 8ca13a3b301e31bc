import { ValidationError } from '@vigil/runtime';
import { describe, expect, test } from '../../../test/fixtures/services';
import { firingDetection } from './detection-fixtures';
import { IdempotencyKeyReusedError, IllegalTransitionError, IncidentNotFoundError } from './incident-errors';
import type { PgIncidentStore } from './pg-incident-store';
import { migratedStore, registerCounts } from './store-test-helpers';

/** A SEV2 brute-force incident detected at 00:05, opened by the rule. */
async function openIncident(store: PgIncidentStore, id = 'bf-1'): Promise<string> {
  const opened = await store.applyDetection(firingDetection({ id, dedupKey: `k:${id}` }));
  if (!opened.incident) throw new Error('expected an incident');
  return opened.incident.id;
}

describe('PgIncidentStore.transition', () => {
  test('takes an incident through its whole lifecycle, recording who did what and when', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    const id = await openIncident(store);

    clock.set('2026-01-01T00:10:00.000Z');
    const acked = await store.transition(id, 'acknowledge', { actor: 'slack:U0ALICE', text: 'on it' });
    expect(acked).toMatchObject({
      replayed: false,
      incident: {
        status: 'acknowledged',
        acknowledgedAt: '2026-01-01T00:10:00.000Z',
        acknowledgedBy: 'slack:U0ALICE',
      },
      notifications: [{ id: `${id}.updated.1`, kind: 'updated', status: 'pending' }],
    });

    clock.set('2026-01-01T00:20:00.000Z');
    await store.transition(id, 'contain', { actor: 'api:soc-bot' });
    clock.set('2026-01-01T00:30:00.000Z');
    await store.transition(id, 'comment', { actor: 'api:soc-bot', text: 'user confirmed it was not them' });
    clock.set('2026-01-01T01:00:00.000Z');
    const resolved = await store.transition(id, 'resolve', {
      actor: 'slack:U0BOB',
      rootCause: 'password reused from a breached site',
      remediation: 'password reset; MFA enforced',
    });
    expect(resolved.notifications.map((n) => n.kind)).toEqual(['resolved']);
    clock.set('2026-01-03T00:00:00.000Z');
    const closed = await store.transition(id, 'close', {
      actor: 'api:carol',
      postmortemUrl: 'https://wiki.example.com/pm/1',
    });

    expect(closed.incident).toMatchObject({
      status: 'closed',
      acknowledgedBy: 'slack:U0ALICE',
      containedAt: '2026-01-01T00:20:00.000Z',
      containedBy: 'api:soc-bot',
      resolvedAt: '2026-01-01T01:00:00.000Z',
      resolvedBy: 'slack:U0BOB',
      closedAt: '2026-01-03T00:00:00.000Z',
      closedBy: 'api:carol',
      rootCause: 'password reused from a breached site',
      remediation: 'password reset; MFA enforced',
      postmortemUrl: 'https://wiki.example.com/pm/1',
      // SEV2 detected at 00:05: 30 minutes to acknowledge, 24 hours to resolve.
      ackDueAt: '2026-01-01T00:35:00.000Z',
      resolveDueAt: '2026-01-02T00:05:00.000Z',
    });

    const detail = await store.getIncident(id);
    expect(
      detail?.timeline.map((entry) => [entry.kind, entry.actor, entry.at, entry.data.from, entry.data.to]),
    ).toEqual([
      ['detected', 'vigil:identity.brute-force', '2026-01-01T00:06:00.000Z', undefined, undefined],
      ['acknowledged', 'slack:U0ALICE', '2026-01-01T00:10:00.000Z', 'open', 'acknowledged'],
      ['contained', 'api:soc-bot', '2026-01-01T00:20:00.000Z', 'acknowledged', 'contained'],
      ['commented', 'api:soc-bot', '2026-01-01T00:30:00.000Z', undefined, undefined],
      ['resolved', 'slack:U0BOB', '2026-01-01T01:00:00.000Z', 'contained', 'resolved'],
      ['closed', 'api:carol', '2026-01-03T00:00:00.000Z', 'resolved', 'closed'],
    ]);
    expect(detail?.timeline[3]?.data).toEqual({ text: 'user confirmed it was not them' });
    expect(detail?.timeline[4]?.data).toMatchObject({ rootCause: 'password reused from a breached site' });
    // Every action is told in the Slack thread, the comment too, each with the facts of its own change.
    expect(detail?.notifications.map((n) => [n.id, n.facts?.change, n.facts?.actor, n.facts?.at])).toEqual([
      [`${id}.opened.1`, 'opened', 'vigil:identity.brute-force', '2026-01-01T00:05:00.000Z'],
      [`${id}.updated.1`, 'acknowledged', 'slack:U0ALICE', '2026-01-01T00:10:00.000Z'],
      [`${id}.updated.2`, 'contained', 'api:soc-bot', '2026-01-01T00:20:00.000Z'],
      [`${id}.updated.3`, 'commented', 'api:soc-bot', '2026-01-01T00:30:00.000Z'],
      [`${id}.resolved.1`, 'resolved', 'slack:U0BOB', '2026-01-01T01:00:00.000Z'],
      [`${id}.updated.4`, 'closed', 'api:carol', '2026-01-03T00:00:00.000Z'],
    ]);
    expect(detail?.notifications[1]?.facts).toEqual({
      change: 'acknowledged',
      actor: 'slack:U0ALICE',
      at: '2026-01-01T00:10:00.000Z',
      status: 'acknowledged',
      detectionCount: 1,
      lastSeenAt: '2026-01-01T00:05:00.000Z',
      eventCount: 1,
      lastEventAt: '2026-01-01T00:04:59.000Z',
      text: 'on it',
    });
    expect(detail?.notifications[3]?.facts).toMatchObject({ text: 'user confirmed it was not them' });
    expect(detail?.notifications[4]?.facts).toMatchObject({
      status: 'resolved',
      rootCause: 'password reused from a breached site',
      remediation: 'password reset; MFA enforced',
    });
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 6 });
  });

  test('refuses an illegal transition with a clear error and writes nothing', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const id = await openIncident(store);
    await store.transition(id, 'resolve', { actor: 'api:bob' });
    const before = await registerCounts(database.pool);

    const refusal = store.transition(id, 'acknowledge', { actor: 'api:bob' });
    await expect(refusal).rejects.toBeInstanceOf(IllegalTransitionError);
    await expect(refusal).rejects.toThrow(
      'INC-1 is resolved; it cannot be acknowledged. A resolved incident can be closed or commented on.',
    );
    await expect(store.transition(id, 'contain', { actor: 'api:bob' })).rejects.toMatchObject({
      status: 'resolved',
      action: 'contain',
    });
    expect(await registerCounts(database.pool)).toEqual(before);
  });

  test('a dismissal needs a reason, and records it with the reviewer; dismissed is final', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    const id = await openIncident(store);
    const before = await registerCounts(database.pool);
    const missing = store.transition(id, 'dismiss', { actor: 'slack:U0REVIEW' });
    await expect(missing).rejects.toBeInstanceOf(ValidationError);
    await expect(missing).rejects.toMatchObject({
      details: [{ path: 'reason', message: 'required: say why this is not an incident' }],
    });
    await expect(
      store.transition(id, 'dismiss', { actor: 'slack:U0REVIEW', reason: '  ' }),
    ).rejects.toMatchObject({
      details: [{ path: 'reason', message: 'must not be empty' }],
    });
    expect(await registerCounts(database.pool)).toEqual(before);

    clock.set('2026-01-01T00:15:00.000Z');
    const dismissed = await store.transition(id, 'dismiss', {
      actor: 'slack:U0REVIEW',
      reason: 'scheduled penetration test, ticket SEC-42',
    });
    expect(dismissed.incident).toMatchObject({
      status: 'dismissed',
      dismissedAt: '2026-01-01T00:15:00.000Z',
      dismissedBy: 'slack:U0REVIEW',
      dismissalReason: 'scheduled penetration test, ticket SEC-42',
    });
    await expect(store.transition(id, 'acknowledge', { actor: 'api:bob' })).rejects.toThrow(
      'INC-1 is dismissed; it cannot be acknowledged. Dismissed is final: only comments can be added.',
    );
    await expect(
      store.transition(id, 'comment', { actor: 'api:auditor-note', text: 'sampled' }),
    ).resolves.toMatchObject({
      incident: { status: 'dismissed' },
      notifications: [
        { kind: 'updated', facts: { change: 'commented', text: 'sampled', status: 'dismissed' } },
      ],
    });
  });

  test('an unknown or malformed incident id is not found; a bad actor is a validation error', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    for (const id of ['2f1b9c4e-8a7d-4e3f-9b6a-1c2d3e4f5a6b', 'INC-1']) {
      await expect(store.transition(id, 'acknowledge', { actor: 'api:bob' })).rejects.toBeInstanceOf(
        IncidentNotFoundError,
      );
    }
    const id = await openIncident(store);
    await expect(store.transition(id, 'acknowledge', { actor: ' ' })).rejects.toMatchObject({
      details: [{ path: 'actor', message: 'must not be empty' }],
    });
  });
});

describe('PgIncidentStore.transition with an idempotency key', () => {
  test('the same key twice does nothing the second time and returns the same result', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    const id = await openIncident(store);
    const ack = { actor: 'slack:U0ALICE', idempotencyKey: 'slack:action:Bx91' };
    clock.set('2026-01-01T00:10:00.000Z');
    const first = await store.transition(id, 'acknowledge', ack);
    const after = await registerCounts(database.pool);

    clock.set('2026-01-01T00:11:00.000Z');
    const second = await store.transition(id, 'acknowledge', ack);
    expect(second).toEqual({ ...first, replayed: true });
    expect(await registerCounts(database.pool)).toEqual(after);

    // Still the first result after the incident moved on, rather than a 409 for acknowledging twice.
    await store.transition(id, 'contain', { actor: 'api:bob' });
    const later = await store.transition(id, 'acknowledge', ack);
    expect(later.incident.status).toBe('acknowledged');
    expect(later.replayed).toBe(true);

    // Once its notification is delivered there is nothing left to hand back.
    await store.recordDelivery(first.notifications[0]?.id ?? '', [
      { method: 'log', channel: 'log', ts: '1', text: 'acknowledged' },
    ]);
    expect((await store.transition(id, 'acknowledge', ack)).notifications).toEqual([]);
  });

  test('a key reused for a different request is refused', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const id = await openIncident(store);
    const other = await openIncident(store, 'bf-2');
    await store.transition(id, 'comment', { actor: 'api:bob', text: 'first', idempotencyKey: 'k1' });
    // One at a time: each reuse is its own request, and each rejection is awaited as it happens.
    const reuses = [
      () => store.transition(id, 'comment', { actor: 'api:bob', text: 'second', idempotencyKey: 'k1' }),
      () => store.transition(id, 'comment', { actor: 'api:eve', text: 'first', idempotencyKey: 'k1' }),
      () => store.transition(id, 'acknowledge', { actor: 'api:bob', idempotencyKey: 'k1' }),
      () => store.transition(other, 'comment', { actor: 'api:bob', text: 'first', idempotencyKey: 'k1' }),
    ];
    for (const reuse of reuses) await expect(reuse()).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    const detail = await store.getIncident(id);
    expect(detail?.timeline.filter((entry) => entry.kind === 'commented')).toHaveLength(1);
  });

  test('the same key sent twice at once is applied once', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const id = await openIncident(store);
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        store.transition(id, 'resolve', { actor: 'api:bob', rootCause: 'x', idempotencyKey: 'retry-storm' }),
      ),
    );
    expect(results.map((r) => r.replayed).sort()).toEqual([false, true, true, true]);
    expect(new Set(results.map((r) => r.incident.resolvedAt)).size).toBe(1);
    expect(await registerCounts(database.pool)).toMatchObject({ timeline: 2, notifications: 2 });
  });

  test('the same key on two incidents at once: one applies, the other is refused', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const a = await openIncident(store, 'a');
    const b = await openIncident(store, 'b');
    const settled = await Promise.allSettled([
      store.transition(a, 'acknowledge', { actor: 'api:bob', idempotencyKey: 'shared' }),
      store.transition(b, 'acknowledge', { actor: 'api:bob', idempotencyKey: 'shared' }),
    ]);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = settled.find((s) => s.status === 'rejected');
    expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(IdempotencyKeyReusedError);
  });

  test('the database refuses to change or delete recorded keys', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const id = await openIncident(store);
    await store.transition(id, 'acknowledge', { actor: 'api:bob', idempotencyKey: 'k' });
    for (const sql of [
      `UPDATE incident_action_keys SET actor = 'mallory'`,
      'DELETE FROM incident_action_keys',
    ]) {
      await expect(database.pool.query(sql)).rejects.toThrow(/on incident_action_keys is not allowed/);
    }
  });
});

describe('PgIncidentStore.applyDetection: reopen window and recurrence', () => {
  const service = (id: string, detectedAt: string, extra: Record<string, unknown> = {}) =>
    firingDetection({
      id,
      ruleId: 'availability.service-down',
      dedupKey: 'availability.service-down:service:api',
      category: 'availability',
      criteria: ['A1.2', 'CC7.4'],
      severity: 'SEV1',
      entity: { type: 'service', id: 'api' },
      // Detected as it happened: event time and detection time agree.
      firstEventAt: detectedAt,
      detectedAt,
      evidence: [
        { eventId: `probe:${id}`, topic: 'vigil.events', partition: 0, offset: '1', time: detectedAt },
      ],
      ...extra,
    });
  const recovered = (id: string, detectedAt: string, downtimeSeconds: number) =>
    service(id, detectedAt, { status: 'resolved', attributes: { downtimeSeconds } });

  test('a detection within the window reopens the incident; after it, a recurrence opens', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    const first = await store.applyDetection(service('down-1', '2026-01-01T00:05:00.000Z'));
    const incidentId = first.incident?.id;
    expect(first.incident).toMatchObject({ affectedSystems: ['api'], ackDueAt: '2026-01-01T00:20:00.000Z' });
    await store.applyDetection(recovered('up-1', '2026-01-01T00:20:00.000Z', 900));

    // 59 minutes after recovering: the same outage, back again.
    const reopened = await store.applyDetection(service('down-2', '2026-01-01T01:19:00.000Z'));
    expect(reopened).toMatchObject({
      outcome: 'reopened',
      incident: { id: incidentId, seq: 1, status: 'open', resolvedAt: null, detectionCount: 2 },
      notifications: [{ kind: 'updated' }],
    });
    const again = await store.getIncident(incidentId ?? '');
    expect(again).toMatchObject({ reopenCount: 1, resolvedBy: null, downtimeSeconds: 900 });
    expect(again?.timeline.at(-1)).toMatchObject({
      kind: 'reopened',
      actor: 'vigil:availability.service-down',
      data: {
        detectionId: 'down-2',
        previousResolution: {
          resolvedAt: '2026-01-01T00:20:00.000Z',
          resolvedBy: 'vigil:availability.service-down',
        },
        reopenWindowMs: 3_600_000,
      },
    });

    // The second outage's downtime adds to the first.
    await store.applyDetection(recovered('up-2', '2026-01-01T01:29:00.000Z', 600));
    expect(await store.getIncident(incidentId ?? '')).toMatchObject({
      status: 'resolved',
      resolvedAt: '2026-01-01T01:29:00.000Z',
      downtimeSeconds: 1500,
    });

    // An hour after the resolution: a new incident, marked as a recurrence of the first.
    const recurrence = await store.applyDetection(service('down-3', '2026-01-01T02:29:00.000Z'));
    expect(recurrence).toMatchObject({
      outcome: 'opened',
      incident: { seq: 2, status: 'open' },
      notifications: [{ kind: 'opened' }],
    });
    const detail = await store.getIncident(recurrence.incident?.id ?? '');
    expect(detail).toMatchObject({ recurrenceOf: incidentId, reopenCount: 0, downtimeSeconds: null });
    expect(detail?.timeline[0]?.data.recurrenceOf).toEqual({
      incidentId,
      ref: 'INC-1',
      status: 'resolved',
      resolvedAt: '2026-01-01T01:29:00.000Z',
    });
    const applied = await database.pool.query<{ outcome: string }>(
      'SELECT outcome FROM applied_detections ORDER BY applied_at, detection_id',
    );
    expect(applied.rows.map((row) => row.outcome).sort()).toEqual([
      'opened',
      'opened',
      'reopened',
      'resolved',
      'resolved',
    ]);
    expect(await store.verifyChain()).toMatchObject({ ok: true });
  });

  test('a person resolving counts too; acknowledgement survives a reopen, closing ends reopening', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    const opened = await store.applyDetection(service('down-1', '2026-01-01T00:05:00.000Z'));
    const id = opened.incident?.id ?? '';
    clock.set('2026-01-01T00:07:00.000Z');
    await store.transition(id, 'acknowledge', { actor: 'slack:U0ALICE' });
    clock.set('2026-01-01T00:30:00.000Z');
    await store.transition(id, 'resolve', { actor: 'slack:U0ALICE' });

    const reopened = await store.applyDetection(service('down-2', '2026-01-01T00:45:00.000Z'));
    expect(reopened.incident).toMatchObject({ id, status: 'open' });
    expect(await store.getIncident(id)).toMatchObject({
      acknowledgedAt: '2026-01-01T00:07:00.000Z',
      acknowledgedBy: 'slack:U0ALICE',
    });
    // Acknowledging again is allowed from open, and keeps the first acknowledgement on the row.
    clock.set('2026-01-01T00:50:00.000Z');
    const reacked = await store.transition(id, 'acknowledge', { actor: 'slack:U0BOB' });
    expect(reacked.incident).toMatchObject({ acknowledgedBy: 'slack:U0ALICE', status: 'acknowledged' });

    clock.set('2026-01-01T01:00:00.000Z');
    await store.transition(id, 'resolve', { actor: 'slack:U0BOB' });
    await store.transition(id, 'close', { actor: 'slack:U0BOB' });
    const next = await store.applyDetection(service('down-3', '2026-01-01T01:01:00.000Z'));
    expect(next).toMatchObject({ outcome: 'opened', incident: { seq: 2 } });
  });

  test('the window is an option of the store', async ({ database }) => {
    const { store } = await migratedStore(database.pool, { reopenWindowMs: 5 * 60_000 });
    const first = await store.applyDetection(service('down-1', '2026-01-01T00:05:00.000Z'));
    await store.applyDetection(recovered('up-1', '2026-01-01T00:20:00.000Z', 900));
    const after = await store.applyDetection(service('down-2', '2026-01-01T00:25:00.000Z'));
    expect(after).toMatchObject({ outcome: 'opened', incident: { seq: 2 } });
    expect((await store.getIncident(after.incident?.id ?? ''))?.recurrenceOf).toBe(first.incident?.id);
  });

  test('response targets come from the store, and a more serious repeat tightens them', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool, {
      responseTargets: {
        SEV1: { ackMinutes: 5, resolveMinutes: 60 },
        SEV2: { ackMinutes: 10, resolveMinutes: 120 },
        SEV3: { ackMinutes: 60, resolveMinutes: 600 },
        SEV4: { ackMinutes: 600, resolveMinutes: 6000 },
      },
    });
    const opened = await store.applyDetection(
      firingDetection({ id: 'x-1', severity: 'SEV3', detectedAt: '2026-01-01T00:05:00.000Z' }),
    );
    expect(opened.incident).toMatchObject({ ackDueAt: '2026-01-01T01:05:00.000Z' });
    await store.applyDetection(
      firingDetection({ id: 'x-2', severity: 'SEV1', detectedAt: '2026-01-01T00:08:00.000Z' }),
    );
    expect(await store.getIncident(opened.incident?.id ?? '')).toMatchObject({
      severity: 'SEV1',
      ackDueAt: '2026-01-01T00:10:00.000Z',
      resolveDueAt: '2026-01-01T01:05:00.000Z',
    });
  });
});

describe('PgIncidentStore.updateDetails', () => {
  test('sets the post-incident record and writes each change, old and new, to the timeline', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    const id = await openIncident(store);
    clock.set('2026-01-02T00:00:00.000Z');
    const updated = await store.updateDetails(
      id,
      {
        rootCause: 'a reused password',
        postmortemUrl: 'https://wiki.example.com/pm/1',
        followUps: [{ title: 'enforce MFA for contractors', owner: 'it-ops' }],
        affectedSystems: ['okta', 'vpn'],
        dc4Candidate: true,
      },
      { actor: 'api:carol' },
    );
    expect(updated).toMatchObject({
      replayed: false,
      notifications: [],
      incident: {
        rootCause: 'a reused password',
        remediation: null,
        postmortemUrl: 'https://wiki.example.com/pm/1',
        followUps: [{ title: 'enforce MFA for contractors', owner: 'it-ops', done: false }],
        affectedSystems: ['okta', 'vpn'],
        dc4Candidate: true,
      },
    });

    // Same root cause again, one follow-up done, the postmortem link removed: only the real changes land.
    await store.updateDetails(
      id,
      {
        rootCause: 'a reused password',
        postmortemUrl: null,
        followUps: [{ title: 'enforce MFA for contractors', owner: 'it-ops', done: true }],
      },
      { actor: 'api:dave' },
    );
    const detail = await store.getIncident(id);
    const entries = detail?.timeline.filter((entry) => entry.kind === 'details-updated');
    expect(entries?.map((entry) => [entry.actor, Object.keys(entry.data.changes as object).sort()])).toEqual([
      ['api:carol', ['affectedSystems', 'dc4Candidate', 'followUps', 'postmortemUrl', 'rootCause']],
      ['api:dave', ['followUps', 'postmortemUrl']],
    ]);
    expect(entries?.[1]?.data.changes).toEqual({
      postmortemUrl: { from: 'https://wiki.example.com/pm/1', to: null },
      followUps: {
        from: [{ title: 'enforce MFA for contractors', owner: 'it-ops', done: false }],
        to: [{ title: 'enforce MFA for contractors', owner: 'it-ops', done: true }],
      },
    });
    expect(detail?.postmortemUrl).toBeNull();

    // Nothing new at all: nothing recorded.
    const before = await registerCounts(database.pool);
    await store.updateDetails(id, { rootCause: 'a reused password' }, { actor: 'api:dave' });
    expect(await registerCounts(database.pool)).toEqual(before);
  });

  test('refuses details it cannot record, naming each field', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const id = await openIncident(store);
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{}, ['(root)']],
      [{ rootcause: 'typo' }, ['rootcause']],
      [{ postmortemUrl: 'ftp://x' }, ['postmortemUrl']],
      [{ followUps: [{ owner: 'x' }] }, ['followUps.0.title']],
      [{ affectedSystems: ['a', 'a'], dc4Candidate: 'yes' }, ['affectedSystems', 'dc4Candidate']],
    ];
    for (const [patch, paths] of cases) {
      const error = await store.updateDetails(id, patch, { actor: 'api:bob' }).catch((e: unknown) => e);
      expect(error, JSON.stringify(patch)).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details.map((d) => d.path).sort()).toEqual(paths.sort());
    }
  });
});
