import pg from 'pg';
import { describe, expect, test } from '../../../test/fixtures/services';
import { firingDetection, resolvedDetection, serviceDownDetection } from './detection-fixtures';
import { migratedStore, registerCounts } from './store-test-helpers';

describe('PgIncidentStore.applyDetection', () => {
  test('opens, updates and resolves one incident, writing evidence, timeline and notifications', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    const dedupKey = 'availability.service-down:service:api';

    const opened = await store.applyDetection(
      serviceDownDetection({ id: 'down-1', dedupKey, eventId: 'probe:1', summary: 'api is down' }),
      { trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } },
    );
    expect(opened.outcome).toBe('opened');
    expect(opened.incident).toMatchObject({ seq: 1, status: 'open', detectionCount: 1, severity: 'SEV1' });
    expect(opened.notifications).toEqual([
      expect.objectContaining({
        kind: 'opened',
        status: 'pending',
        attempts: 0,
        trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      }),
    ]);
    const incidentId = opened.incident?.id;

    const updated = await store.applyDetection(
      serviceDownDetection({
        id: 'down-2',
        dedupKey,
        eventId: 'probe:2',
        summary: 'api still down',
        detectedAt: '2026-01-01T00:10:00.000Z',
      }),
    );
    expect(updated.outcome).toBe('updated');
    expect(updated.incident).toMatchObject({
      id: incidentId,
      seq: 1,
      detectionCount: 2,
      // The summary stays what opened the incident; the repeat's is in its timeline entry.
      summary: 'api is down',
      lastSeenAt: '2026-01-01T00:10:00.000Z',
    });
    expect(updated.notifications.map((n) => n.kind)).toEqual(['updated']);

    const resolved = await store.applyDetection(
      resolvedDetection({
        id: 'up-1',
        dedupKey,
        eventId: 'probe:3',
        detectedAt: '2026-01-01T00:20:00.000Z',
        attributes: { downtimeSeconds: 1200 },
      }),
    );
    expect(resolved.outcome).toBe('resolved');
    expect(resolved.notifications.map((n) => n.kind)).toEqual(['resolved']);

    const { rows } = await database.pool.query(
      'SELECT status, resolved_at, resolved_by, downtime_seconds, detection_count FROM incidents',
    );
    expect(rows).toEqual([
      {
        status: 'resolved',
        resolved_at: new Date('2026-01-01T00:20:00.000Z'),
        resolved_by: 'vigil:availability.service-down',
        downtime_seconds: 1200,
        detection_count: 2,
      },
    ]);
    const detail = await store.getIncident(incidentId ?? '');
    expect(detail?.timeline.map((entry) => entry.kind)).toEqual(['detected', 'detection-added', 'resolved']);
    expect(detail?.evidence.map((entry) => entry.eventId)).toEqual(['probe:1', 'probe:2', 'probe:3']);
    expect(detail?.notifications.map((n) => n.id)).toEqual([
      `${incidentId}.opened.1`,
      `${incidentId}.updated.1`,
      `${incidentId}.resolved.1`,
    ]);
  });

  test('a redelivered detection changes nothing and hands back its still-pending notification', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    const detection = firingDetection({ id: 'bf-1' });
    const first = await store.applyDetection(detection);
    const before = await registerCounts(database.pool);

    const again = await store.applyDetection(detection);
    expect(again.outcome).toBe('duplicate');
    expect(again.incident?.id).toBe(first.incident?.id);
    expect(again.notifications.map((n) => n.id)).toEqual(first.notifications.map((n) => n.id));
    expect(await registerCounts(database.pool)).toEqual(before);

    // Once delivered there is nothing left to re-enqueue.
    await store.recordDelivery(first.notifications[0]?.id ?? '', [
      { method: 'log', channel: 'log', ts: '1', text: 'opened' },
    ]);
    expect((await store.applyDetection(detection)).notifications).toEqual([]);
  });

  test('a resolution with nothing open is ignored, but remembered as applied', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const detection = resolvedDetection({ id: 'up-lonely' });
    expect(await store.applyDetection(detection)).toEqual({
      outcome: 'ignored',
      incident: null,
      notifications: [],
    });
    expect(await store.applyDetection(detection)).toEqual({
      outcome: 'duplicate',
      incident: null,
      notifications: [],
    });
    expect(await registerCounts(database.pool)).toMatchObject({ incidents: 0, timeline: 0, applied: 1 });
  });

  test('a firing detection after the reopen window opens a new incident with the next number', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    await store.applyDetection(serviceDownDetection({ id: 'a' }));
    await store.applyDetection(resolvedDetection({ id: 'b' }));
    const recurrence = await store.applyDetection(
      // Measured in event time: its first failed check an hour and more after the recovery's check.
      serviceDownDetection({
        id: 'c',
        eventId: 'probe:c',
        firstEventAt: '2026-01-01T01:05:00.000Z',
        detectedAt: '2026-01-01T01:05:00.000Z',
        evidence: [
          {
            eventId: 'probe:c',
            topic: 'vigil.events',
            partition: 0,
            offset: '9',
            time: '2026-01-01T01:05:00.000Z',
          },
        ],
      }),
    );
    expect(recurrence.outcome).toBe('opened');
    expect(recurrence.incident?.seq).toBe(2);
  });

  test('alerters applying detections for one dedup key at once end with one incident', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    // A second pool stands in for a second alerter process.
    const otherPool = new pg.Pool({ connectionString: database.url, max: 5 });
    try {
      const { store: otherStore } = await migratedStore(otherPool);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 === 0 ? store : otherStore).applyDetection(firingDetection({ id: `bf-${i}` })),
        ),
      );
      expect(results.map((r) => r.outcome).sort()).toEqual(['opened', ...Array<string>(7).fill('updated')]);
      expect(new Set(results.map((r) => r.incident?.id)).size).toBe(1);
    } finally {
      await otherPool.end();
    }
    const { rows } = await database.pool.query('SELECT seq, detection_count FROM incidents');
    expect(rows).toEqual([{ seq: '1', detection_count: 8 }]);
    expect(await registerCounts(database.pool)).toMatchObject({ last_seq: 1, timeline: 8, notifications: 8 });
  });

  test('the same detection delivered twice at once is applied once', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const detection = firingDetection({ id: 'bf-twice' });
    const results = await Promise.all([store.applyDetection(detection), store.applyDetection(detection)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['duplicate', 'opened']);
    expect(await registerCounts(database.pool)).toMatchObject({ incidents: 1, timeline: 1, applied: 1 });
  });

  test('register numbers stay gap-free when an apply rolls back or loses a race', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    await store.applyDetection(firingDetection({ id: 'first', dedupKey: 'k:1' }));

    // Make the evidence insert fail after the number was taken, as a crash or a constraint would.
    await database.pool.query(`CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.event_id = 'poison' THEN RAISE EXCEPTION 'poisoned evidence'; END IF; RETURN NEW; END $$`);
    await database.pool.query(
      'CREATE TRIGGER poison BEFORE INSERT ON incident_evidence FOR EACH ROW EXECUTE FUNCTION poison()',
    );
    await expect(
      store.applyDetection(firingDetection({ id: 'doomed', dedupKey: 'k:2', eventId: 'poison' })),
    ).rejects.toThrow('poisoned evidence');
    expect(await registerCounts(database.pool)).toMatchObject({ incidents: 1, applied: 1, last_seq: 1 });

    // Many new dedup keys at once, several racing for each: numbers still run 1..n.
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.applyDetection(firingDetection({ id: `race-${i}`, dedupKey: `k:race-${i % 4}` })),
      ),
    );
    const { rows } = await database.pool.query<{ seq: string }>('SELECT seq FROM incidents ORDER BY seq');
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5]);

    // The failed detection was not remembered, so its redelivery is applied in full.
    const retried = await store.applyDetection(
      firingDetection({ id: 'doomed', dedupKey: 'k:2', eventId: 'fine' }),
    );
    expect(retried).toMatchObject({ outcome: 'opened', incident: { seq: 6 } });
  });
});
