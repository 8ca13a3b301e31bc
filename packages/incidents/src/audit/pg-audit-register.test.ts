import { ValidationError } from '@vigil/runtime';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { migratedStore } from '../store-test-helpers';
import { actAt, asSuperuser, FEBRUARY, openAt, seedKnownMonth } from './audit-test-helpers';
import { summarisePopulation } from './audit-summary';
import { PgAuditRegister } from './pg-audit-register';

describe('PgAuditRegister.population', () => {
  test('takes in every incident open at any moment of the period, and nothing else', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    const at = (key: string, detectedAt: string) => openAt(store, clock, key, detectedAt);
    // Opened before, resolved inside: in.
    const carriedIn = await at('carried-in', '2026-01-10T00:00:00.000Z');
    await actAt(store, clock, carriedIn, '2026-02-10T00:00:00.000Z', 'resolve');
    // Resolved before the period began: out.
    const over = await at('over-before', '2026-01-05T00:00:00.000Z');
    await actAt(store, clock, over, '2026-01-20T00:00:00.000Z', 'resolve');
    // Dismissed before the period began: out; dismissed inside it: in.
    const dismissedBefore = await at('dismissed-before', '2026-01-01T00:00:00.000Z');
    await actAt(store, clock, dismissedBefore, '2026-01-02T00:00:00.000Z', 'dismiss', { reason: 'noise' });
    const dismissedInside = await at('dismissed-inside', '2026-01-20T00:00:00.000Z');
    await actAt(store, clock, dismissedInside, '2026-02-03T00:00:00.000Z', 'dismiss', { reason: 'noise' });
    // Opened before and still open: in. Opened and resolved inside: in.
    await at('still-open', '2026-01-15T00:00:00.000Z');
    const inside = await at('inside', '2026-02-15T00:00:00.000Z');
    await actAt(store, clock, inside, '2026-02-16T00:00:00.000Z', 'resolve');
    // The bounds: resolved exactly at `from` is in (it was open until then); detected exactly at `to` is out.
    const atFrom = await at('resolved-at-from', '2026-01-25T00:00:00.000Z');
    await actAt(store, clock, atFrom, FEBRUARY.from, 'resolve');
    await at('opened-at-to', FEBRUARY.to);
    // Opened after the period: out.
    await at('after', '2026-03-05T00:00:00.000Z');

    clock.set('2026-03-10T00:00:00.000Z');
    const register = new PgAuditRegister({ pool: database.pool, clock });
    const population = await register.population(FEBRUARY);
    expect(population.incidents.map((incident) => incident.title)).toEqual([
      'incident carried-in',
      'incident dismissed-inside',
      'incident still-open',
      'incident inside',
      'incident resolved-at-from',
    ]);
    expect(population.counts).toMatchObject({
      incidents: 5,
      openedInPeriod: 1,
      openedBefore: 4,
      endedInPeriod: 4,
      openAtEnd: 1,
      byStatus: { open: 1, resolved: 3, dismissed: 1, acknowledged: 0 },
    });
    expect(population.counts.timelineEntries).toBe(9);
    // Every incident of the register is numbered 1..9 without a hole, and the chain verifies in the snapshot.
    expect(population.sequence).toEqual({
      incidents: 9,
      highestPresent: 9,
      lastIssued: 9,
      contiguous: true,
      missing: [],
      missingCount: 0,
      problems: [],
    });
    const head = await database.pool.query<{ head_hash: string }>(
      'SELECT head_hash FROM timeline_chain_head',
    );
    expect(population.chain).toEqual({ ok: true, entries: 15, head: head.rows[0]?.head_hash });
    // The query that produced it, with the values bound to it, is part of the result.
    expect(population.queries[0]).toMatchObject({
      purpose: expect.stringContaining('population'),
      sql: expect.stringContaining('COALESCE(resolved_at, dismissed_at)'),
      parameters: [
        { name: 'from', placeholder: '$1', value: FEBRUARY.from },
        { name: 'to', placeholder: '$2', value: FEBRUARY.to },
      ],
      rows: 5,
    });
  });

  test('a register number removed behind its back is reported missing, in the middle and at the end', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    for (const [index, key] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      await openAt(store, clock, key, `2026-02-0${index + 1}T00:00:00.000Z`);
    }
    await asSuperuser(database.pool, 'DELETE FROM incidents WHERE seq IN (2, 5)');
    const register = new PgAuditRegister({ pool: database.pool, clock });
    const population = await register.population(FEBRUARY);
    expect(population.incidents.map((incident) => incident.seq)).toEqual([1, 3, 4]);
    expect(population.sequence).toEqual({
      incidents: 3,
      highestPresent: 4,
      lastIssued: 5,
      contiguous: false,
      missing: [
        { first: 2, last: 2 },
        { first: 5, last: 5 },
      ],
      missingCount: 2,
      problems: [],
    });
  });

  test('a row forged with a number the counter never issued is a problem too', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    const id = await openAt(store, clock, 'a', '2026-02-01T00:00:00.000Z');
    // A copy of INC-1 inserted directly as INC-3: the counter still says 1, and 2 is missing.
    await asSuperuser(
      database.pool,
      `INSERT INTO incidents (id, seq, rule_id, rule_version, title, summary, criteria, category, severity,
         status, dedup_key, entity_type, entity_id, owner_key, first_event_at, detected_at, last_seen_at,
         detection_count, created_at, ack_due_at, resolve_due_at)
       SELECT gen_random_uuid(), 3, rule_id, rule_version, title, summary, criteria, category, severity,
         status, dedup_key || ':forged', entity_type, entity_id, owner_key, first_event_at, detected_at,
         last_seen_at, detection_count, created_at, ack_due_at, resolve_due_at
       FROM incidents WHERE id = $1`,
      [id],
    );
    const population = await new PgAuditRegister({ pool: database.pool, clock }).population(FEBRUARY);
    expect(population.sequence).toMatchObject({
      contiguous: false,
      missing: [{ first: 2, last: 2 }],
      problems: ["the register counter's last number (1) is below the highest number present (3)"],
    });
  });

  test('a period must be two timestamps, from before to', async ({ database }) => {
    const { clock } = await migratedStore(database.pool);
    const register = new PgAuditRegister({ pool: database.pool, clock });
    await expect(register.population({ from: FEBRUARY.to, to: FEBRUARY.from })).rejects.toMatchObject({
      details: [{ path: 'from', message: 'must be before to' }],
    });
    await expect(register.population({ from: 'yesterday', to: FEBRUARY.to })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe('summarisePopulation on the register', () => {
  test('an incident opened from history has no time to detect: left out of the figure, counted as backfilled', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    await seedKnownMonth(store, clock);
    // Its events are two days older than its detection (a replay, a backfill): not a 48 h detection.
    await openAt(store, clock, 'history', '2026-02-22T00:00:00.000Z', { firstEventAt: '2026-02-20T00:00:00.000Z', severity: 'SEV3' });
    clock.set('2026-03-10T00:00:00.000Z');
    const summary = summarisePopulation(await new PgAuditRegister({ pool: database.pool, clock }).population(FEBRUARY));
    expect(summary.counts.incidents).toBe(5);
    expect(summary.backfilled).toBe(1);
    expect(summary.responseTimes.detect).toEqual({ count: 4, medianSeconds: 120, p90Seconds: 600 });
  });

  test('counts, response times and targets of a known month', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    const [, inc2, inc3, inc4] = await seedKnownMonth(store, clock);
    const register = new PgAuditRegister({ pool: database.pool, clock });
    const summary = summarisePopulation(await register.population(FEBRUARY));

    expect(summary.generatedAt).toBe('2026-03-10T00:00:00.000Z');
    expect(summary.bySeverity).toEqual({ SEV1: 1, SEV2: 2, SEV3: 1, SEV4: 0 });
    expect(summary.byCategory).toEqual({ security: 2, availability: 1, logging: 1 });
    expect(summary.byCriterion).toEqual({ 'A1.2': 1, 'CC7.2': 3, 'CC7.3': 1, 'CC7.4': 1 });
    expect(summary.responseTimes).toEqual({
      detect: { count: 4, medianSeconds: 120, p90Seconds: 600 },
      acknowledge: { count: 2, medianSeconds: 600, p90Seconds: 3600 },
      contain: { count: 1, medianSeconds: 1800, p90Seconds: 1800 },
      resolve: { count: 2, medianSeconds: 7200, p90Seconds: 129_600 },
    });
    expect(summary.backfilled).toBe(0);
    expect(summary.withinTarget).toEqual({
      acknowledge: { met: 2, missed: 2, pending: 0, notApplicable: 0, share: 0.5 },
      resolve: { met: 1, missed: 2, pending: 0, notApplicable: 1, share: 1 / 3 },
    });
    expect(summary.dismissed).toEqual([
      expect.objectContaining({
        id: inc3,
        ref: 'INC-3',
        dismissedAt: '2026-02-05T01:05:00.000Z',
        dismissedBy: 'api:alice',
        reason: 'test account',
      }),
    ]);
    expect(summary.openAtEnd.map((incident) => incident.id)).toEqual([inc4]);
    expect(summary.dc4Candidates).toEqual([
      expect.objectContaining({ id: inc2, ref: 'INC-2', criteria: ['A1.2', 'CC7.4'] }),
    ]);
    expect(summary.counts).toMatchObject({ incidents: 4, openedInPeriod: 4, endedInPeriod: 3, openAtEnd: 1 });
  });

  test('a deadline not yet reached when the export is made is pending, not missed', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    await openAt(store, clock, 'fresh', '2026-02-28T23:50:00.000Z', { severity: 'SEV4' });
    clock.set('2026-03-01T00:00:00.000Z');
    const summary = summarisePopulation(
      await new PgAuditRegister({ pool: database.pool, clock }).population(FEBRUARY),
    );
    expect(summary.withinTarget.acknowledge).toEqual({
      met: 0,
      missed: 0,
      pending: 1,
      notApplicable: 0,
      share: null,
    });
  });
});
