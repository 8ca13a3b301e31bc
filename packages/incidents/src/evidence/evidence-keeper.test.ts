import type { Detection, VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { verifyChain } from '../chain-verifier';
import { firingDetection } from '../detection-fixtures';
import { migratedStore } from '../store-test-helpers';
import { EVIDENCE_PER_INCIDENT, payloadHash } from './evidence-keeper';
import { evidenceOf, failedSignIn } from './evidence-test-helpers';
import { DEFAULT_EVIDENCE_RETENTION_DAYS, EvidenceRetention } from './evidence-retention';

const DAY = 24 * 60 * 60 * 1000;

function detectionWith(id: string, events: VigilEvent[], firstOffset: number, extra: Partial<Detection> = {}): Detection {
  return firingDetection({
    id,
    firstEventAt: events[0]?.time,
    detectedAt: events.at(-1)?.time,
    ...evidenceOf(events, firstOffset),
    ...extra,
  });
}

describe('evidence payloads in the register', () => {
  test('the events of a 30-day-old incident are still in its evidence; past the retention they are purged on record', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    const openedAt = Date.parse('2026-11-03T10:00:00.000Z');
    clock.set(openedAt);
    const events = [1, 2, 3].map((n) => failedSignIn(n, new Date(openedAt - (4 - n) * 60_000).toISOString()));
    const opened = await store.applyDetection(detectionWith('bf-1', events, 40));
    const id = opened.incident?.id ?? '';
    await store.transition(id, 'resolve', { actor: 'api:alice', text: 'password reset' });

    // 30 days on, the stream (7 days) has long let these events go; the register has not.
    clock.set(openedAt + 30 * DAY);
    const retention = new EvidenceRetention({ pool: database.pool, logger: silentLogger, clock });
    expect(retention.retentionDays).toBe(DEFAULT_EVIDENCE_RETENTION_DAYS);
    expect(await retention.purgeDue()).toEqual({ incidents: 0, payloads: 0 });
    const detail = await store.getIncident(id);
    expect(detail?.evidencePayloads.map((payload) => payload.event)).toEqual(events);
    expect(detail?.evidencePayloads.map((payload) => payload.sha256)).toEqual(events.map(payloadHash));
    // The chain vouches for each payload: the entry that took the detection in names its hash.
    const detected = detail?.timeline.find((entry) => entry.kind === 'detected');
    expect(detected?.data.evidenceKept).toEqual(events.map((event) => ({ eventId: event.id, sha256: payloadHash(event) })));

    // Nobody removes a payload behind the register's back.
    await expect(database.pool.query('DELETE FROM evidence_payloads')).rejects.toThrow(/purge on record/);
    await expect(database.pool.query(`UPDATE evidence_payloads SET event = '{}'`)).rejects.toThrow(/append-only/);

    // Past the retention: purged, and the purge is in the register and the chain, not a gap.
    clock.set(openedAt + (DEFAULT_EVIDENCE_RETENTION_DAYS + 1) * DAY);
    expect(await retention.purgeDue()).toEqual({ incidents: 1, payloads: 3 });
    const after = await store.getIncident(id);
    expect(after?.evidencePayloads).toEqual([]);
    expect(after?.evidence).toHaveLength(3);
    expect(after?.evidencePurges).toEqual(
      events.map((event) =>
        expect.objectContaining({ eventId: event.id, sha256: payloadHash(event), policy: 'retention', detail: 'kept 400 days after it was taken in' }),
      ),
    );
    const purge = after?.timeline.at(-1);
    expect(purge).toMatchObject({ kind: 'evidence-purged', actor: 'system:evidence-retention' });
    expect(purge?.data).toMatchObject({ policy: 'retention', retentionDays: 400, purged: events.map((e) => ({ eventId: e.id, sha256: payloadHash(e) })) });
    expect(after?.status).toBe('resolved');
    expect(await verifyChain(database.pool)).toMatchObject({ ok: true });
    expect(await retention.purgeDue()).toEqual({ incidents: 0, payloads: 0 });
  });

  test('the evidence of a live incident is kept however old', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    const at = Date.parse('2026-01-01T00:05:00.000Z');
    clock.set(at);
    const opened = await store.applyDetection(detectionWith('bf-live', [failedSignIn(1, '2026-01-01T00:04:00.000Z')], 7));
    clock.set(at + 900 * DAY);
    const retention = new EvidenceRetention({ pool: database.pool, logger: silentLogger, clock, retentionDays: 30 });
    expect(await retention.purgeDue()).toEqual({ incidents: 0, payloads: 0 });
    expect((await store.getIncident(opened.incident?.id ?? ''))?.evidencePayloads).toHaveLength(1);
  });

  test('an incident keeps the first and the last N events whole; the ones between are counted, dropped on record', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    const { first, last } = EVIDENCE_PER_INCIDENT;
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const all = Array.from({ length: first + last + 5 }, (_, i) => failedSignIn(i + 1, new Date(start + i * 1000).toISOString()));
    let id = '';
    // Five detections of five events each, as a window rule firing on and on.
    for (let d = 0; d < 5; d++) {
      const slice = all.slice(d * 5, d * 5 + 5);
      clock.set(Date.parse(slice.at(-1)?.time ?? '') + 1000);
      const result = await store.applyDetection(detectionWith(`bf-${d}`, slice, 100 + d * 5, { firstEventAt: all[0]?.time }));
      id = result.incident?.id ?? id;
    }
    const detail = await store.getIncident(id);
    const kept = detail?.evidencePayloads.map((payload) => payload.eventId);
    expect(kept).toEqual([...all.slice(0, first), ...all.slice(-last)].map((event) => event.id));
    expect(detail?.evidence).toHaveLength(all.length);
    const dropped = all.slice(first, all.length - last);
    expect(detail?.evidencePurges.map((purge) => [purge.eventId, purge.policy])).toEqual(
      dropped.map((event) => [event.id, 'per-incident-cap']),
    );
    const droppedInChain = detail?.timeline.flatMap((entry) => (entry.data.evidenceDropped as Array<{ eventId: string }> | undefined) ?? []);
    expect(droppedInChain?.map((entry) => entry.eventId).sort()).toEqual(dropped.map((event) => event.id).sort());
    expect(await verifyChain(database.pool)).toMatchObject({ ok: true });
  });

  test('a payload PostgreSQL cannot hold (NUL, lone surrogate) is not kept, the reason is in the chain, the incident opens', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    const nul = { ...failedSignIn(1, '2026-01-01T00:04:00.000Z'), raw: { note: 'a\u0000b' } };
    const surrogate = { ...failedSignIn(2, '2026-01-01T00:04:01.000Z'), raw: { ['k\ud800']: 1 } };
    const fine = failedSignIn(3, '2026-01-01T00:04:02.000Z');
    const opened = await store.applyDetection(detectionWith('bf-hostile', [nul, surrogate, fine], 9));
    expect(opened.outcome).toBe('opened');
    const detail = await store.getIncident(opened.incident?.id ?? '');
    expect(detail?.evidencePayloads.map((p) => p.eventId)).toEqual(['okta:evt-3']);
    expect(detail?.evidence).toHaveLength(3);
    expect(detail?.timeline[0]?.data.evidenceNotKept).toEqual([
      { eventId: 'okta:evt-1', reason: 'its raw payload contains a NUL character (U+0000) at offset 1' },
      { eventId: 'okta:evt-2', reason: expect.stringMatching(/^its raw payload a key .*surrogate/) },
    ]);
    expect(await verifyChain(database.pool)).toMatchObject({ ok: true });
  });

  test('a redelivered detection keeps nothing twice, and a detection without payloads keeps only refs', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const detection = detectionWith('bf-again', [failedSignIn(1, '2026-01-01T00:04:00.000Z')], 3);
    const opened = await store.applyDetection(detection);
    await store.applyDetection(detection);
    await store.applyDetection(firingDetection({ id: 'bf-refs-only', eventId: 'okta:no-payload' }));
    const detail = await store.getIncident(opened.incident?.id ?? '');
    expect(detail?.evidencePayloads.map((payload) => payload.eventId)).toEqual(['okta:evt-1']);
    expect(detail?.evidence.map((entry) => entry.eventId).sort()).toEqual(['okta:evt-1', 'okta:no-payload']);
  });
});
