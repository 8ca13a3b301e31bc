import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { resolvedDetection, serviceDownDetection } from '../detection-fixtures';
import { migratedStore } from '../store-test-helpers';
import { recordChecks } from './check-coverage';
import { PgAvailabilityStore } from './pg-availability-store';
import type { ServiceCommitment } from './services-config';

const services: ServiceCommitment[] = [
  { id: 'checkout', name: 'Checkout', owner: null, commitment: 99.9, slo: null, minimumCoverage: 90 },
  { id: 'search', name: 'Search', owner: null, commitment: 99.5, slo: null, minimumCoverage: 90 },
];
const november = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

const evidenceAt = (id: string, time: string) => [
  { eventId: `probe:${id}`, topic: 'vigil.events', partition: 0, offset: '1', time },
];
/** The rule's down transition: first failed check at `firstEventAt`, detected at `detectedAt`. */
const down = (service: string, id: string, firstEventAt: string, detectedAt: string) =>
  serviceDownDetection({
    id,
    dedupKey: `availability.service-down:service:${service}`,
    entity: { type: 'service', id: service },
    ownerKey: service,
    firstEventAt,
    detectedAt,
    evidence: evidenceAt(id, detectedAt),
  });
/** The rule's up transition: first good check at `recoveredAt`, `seconds` after the outage began. */
const up = (service: string, id: string, firstEventAt: string, seconds: number, detectedAt: string) => {
  const recoveredAt = new Date(Date.parse(firstEventAt) + seconds * 1000).toISOString();
  return resolvedDetection({
    id,
    dedupKey: `availability.service-down:service:${service}`,
    entity: { type: 'service', id: service },
    firstEventAt,
    detectedAt,
    evidence: evidenceAt(id, recoveredAt),
    attributes: { downtimeSeconds: seconds },
  });
};
/** One check a minute over [from, to). */
const everyMinute = (service: string, from: string, to: string) =>
  Array.from({ length: (Date.parse(to) - Date.parse(from)) / 60_000 }, (_, i) => ({
    service,
    at: Date.parse(from) + i * 60_000,
  }));

describe('PgAvailabilityStore', () => {
  test('availability from measured outages, check coverage and a maintenance window', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    const availability = new PgAvailabilityStore({ pool: database.pool, clock, logger: silentLogger });
    // Checked every minute all November, but for a gap on Nov 15 (prober down 06:00 – 12:00).
    await recordChecks(
      database.pool,
      [
        ...everyMinute('checkout', '2026-11-01T00:00:00Z', '2026-11-15T06:01:00Z'),
        ...everyMinute('checkout', '2026-11-15T12:00:00Z', '2026-12-01T00:01:00Z'),
        ...everyMinute('search', '2026-11-01T00:00:00Z', '2026-12-01T00:01:00Z'),
      ],
      5 * 60_000,
    );

    // checkout: down 10:00 → 11:00 on Nov 10, measured by the rule (noticed 20 s late).
    await store.applyDetection(
      down('checkout', 'co-down', '2026-11-10T10:00:00.000Z', '2026-11-10T10:02:00.000Z'),
    );
    await store.applyDetection(
      up('checkout', 'co-up', '2026-11-10T10:00:00.000Z', 3600, '2026-11-10T11:00:20.000Z'),
    );
    // Again 30 minutes later in event time (the same incident reopens): 4 minutes down. The gap is up.
    const again = await store.applyDetection(
      down('checkout', 'co-down-2', '2026-11-10T11:30:00.000Z', '2026-11-10T11:32:00.000Z'),
    );
    expect(again.outcome).toBe('reopened');
    await store.applyDetection(
      up('checkout', 'co-up-2', '2026-11-10T11:30:00.000Z', 240, '2026-11-10T11:34:05.000Z'),
    );
    // checkout: a false alarm on Nov 20, dismissed by a reviewer: no downtime.
    const falseAlarm = await store.applyDetection(
      down('checkout', 'co-false', '2026-11-20T08:00:00.000Z', '2026-11-20T08:02:00.000Z'),
    );
    await store.transition(falseAlarm.incident?.id ?? '', 'dismiss', {
      reason: 'the prober lost its network, not checkout',
      actor: 'api:alice',
    });
    // search: down since Nov 30 23:00 and still down.
    await store.applyDetection(
      down('search', 'se-down', '2026-11-30T23:00:00.000Z', '2026-11-30T23:02:00.000Z'),
    );

    clock.set('2026-11-10T12:00:00.000Z');
    const declared = await availability.declareMaintenance(
      {
        service: 'checkout',
        startsAt: '2026-11-10T10:30:00.000Z',
        endsAt: '2026-11-10T10:45:00.000Z',
        reason: 'failover drill, CHG-77',
      },
      { actor: 'api:sre-oncall' },
    );
    expect(declared).toMatchObject({ declaredAt: '2026-11-10T12:00:00.000Z', retroactive: true });

    clock.set('2026-12-01T01:00:00.000Z');
    const [co, se] = await availability.availability(services, november);
    // Outages 3,600 s (900 s of it in maintenance) + 240 s; the 26 minutes between them were up.
    const gap = 6 * 3600; // the last check before the gap was at 06:00, the next at 12:00
    expect(co).toMatchObject({
      downtimeSeconds: 2700 + 240,
      maintenanceSeconds: 900,
      measuredSeconds: 2_592_000 - 900,
      noEvidenceSeconds: gap,
      monitoredSeconds: 2_592_000 - 900 - gap,
      commitment: { allowedDowntimeSeconds: 2591.1, status: 'breached', met: false },
    });
    expect(co?.availability).toBeCloseTo(1 - 2940 / (2_591_100 - gap), 12);
    expect(co?.noEvidence).toEqual([{ start: '2026-11-15T06:00:00.000Z', end: '2026-11-15T12:00:00.000Z' }]);
    expect(co?.incidents).toMatchObject([
      {
        ref: 'INC-1',
        startedAt: '2026-11-10T10:00:00.000Z',
        endedAt: '2026-11-10T11:00:00.000Z',
        end: 'measured',
        downtimeSeconds: 3600,
        downtimeSecondsInPeriod: 2700,
      },
      {
        ref: 'INC-1',
        startedAt: '2026-11-10T11:30:00.000Z',
        endedAt: '2026-11-10T11:34:00.000Z',
        end: 'measured',
        downtimeSeconds: 240,
      },
    ]);
    // The incident's own figure is the sum of its outages: the same numbers as the report.
    expect(await store.getIncident(again.incident?.id ?? '')).toMatchObject({ downtimeSeconds: 3840 });
    expect(co?.maintenance).toEqual([declared]);
    expect(se).toMatchObject({
      downtimeSeconds: 3600,
      measuredUntil: '2026-12-01T00:00:00.000Z',
      incidents: [{ ref: 'INC-3', endedAt: null, end: 'ongoing', downtimeSecondsInPeriod: 3600 }],
      commitment: { allowedDowntimeSeconds: 12_960, status: 'met', met: true },
    });

    // October had no checks at all: nothing is known, nothing is met.
    const [october] = await availability.availability(services, {
      from: '2026-10-01T00:00:00.000Z',
      to: '2026-11-01T00:00:00.000Z',
    });
    expect(october).toMatchObject({
      downtimeSeconds: 0,
      availability: null,
      coverage: 0,
      commitment: { status: 'not-evidenced', met: false },
      incidents: [],
    });
  });

  test('a person resolving during an outage neither ends nor shortens it', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    const availability = new PgAvailabilityStore({ pool: database.pool, clock, logger: silentLogger });
    await recordChecks(
      database.pool,
      everyMinute('checkout', '2026-11-10T00:00:00Z', '2026-11-11T00:00:00Z'),
      5 * 60_000,
    );
    const opened = await store.applyDetection(
      down('checkout', 'd1', '2026-11-10T10:00:00.000Z', '2026-11-10T10:02:00.000Z'),
    );
    const id = opened.incident?.id ?? '';
    // Resolved by hand 60 s into a 180 s outage: allowed, and recorded as resolved while still down.
    clock.set('2026-11-10T10:01:00.000Z');
    await store.transition(id, 'resolve', { actor: 'slack:U0ALICE' });
    const resolvedByHand = await store.getIncident(id);
    expect(resolvedByHand?.timeline.at(-1)).toMatchObject({
      kind: 'resolved',
      actor: 'slack:U0ALICE',
      data: { outageOngoing: { downSince: '2026-11-10T10:00:00.000Z', measuredBy: 'consecutive-checks' } },
    });

    clock.set('2026-11-10T10:02:30.000Z');
    const during = await availability.availability(services.slice(0, 1), {
      from: '2026-11-10T00:00:00Z',
      to: '2026-11-11T00:00:00Z',
    });
    expect(during[0]).toMatchObject({ downtimeSeconds: 150, incidents: [{ end: 'ongoing', endedAt: null }] });

    // The checks recover at 10:03: the measured recovery reaches the resolved incident's timeline and figure.
    const recovery = await store.applyDetection(
      up('checkout', 'u1', '2026-11-10T10:00:00.000Z', 180, '2026-11-10T10:03:10.000Z'),
    );
    expect(recovery.outcome).toBe('ignored');
    const after = await store.getIncident(id);
    expect(after).toMatchObject({ status: 'resolved', resolvedBy: 'slack:U0ALICE', downtimeSeconds: 180 });
    expect(after?.timeline.at(-1)).toMatchObject({
      kind: 'outage-recovered',
      actor: 'vigil:availability.service-down',
      data: {
        downSince: '2026-11-10T10:00:00.000Z',
        recoveredAt: '2026-11-10T10:03:00.000Z',
        downtimeSeconds: 180,
      },
    });
    clock.set('2026-11-12T00:00:00.000Z');
    const [day] = await availability.availability(services.slice(0, 1), {
      from: '2026-11-10T00:00:00Z',
      to: '2026-11-11T00:00:00Z',
    });
    expect(day).toMatchObject({
      downtimeSeconds: 180,
      incidents: [{ end: 'measured', downtimeSeconds: 180 }],
    });
    expect(await store.verifyChain()).toMatchObject({ ok: true });
  });

  test('a burn-rate alert raised inside a declared maintenance window opens no incident', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    const availability = new PgAvailabilityStore({ pool: database.pool, clock, logger: silentLogger });
    await availability.declareMaintenance(
      { service: 'checkout', startsAt: '2026-11-12T02:00:00Z', endsAt: '2026-11-12T04:00:00Z', reason: 'upgrade' },
      { actor: 'api:sre-oncall' },
    );
    const burn = (id: string, time: string) =>
      serviceDownDetection({
        id,
        ruleId: 'availability.slo-burn',
        dedupKey: 'availability.slo-burn:service:checkout',
        entity: { type: 'service', id: 'checkout' },
        attributes: {},
        firstEventAt: time,
        detectedAt: time,
        evidence: evidenceAt(id, time),
      });
    expect(await store.applyDetection(burn('inside', '2026-11-12T03:00:00.000Z'))).toMatchObject({
      outcome: 'ignored',
      incident: null,
    });
    expect(await store.applyDetection(burn('after', '2026-11-12T05:00:00.000Z'))).toMatchObject({ outcome: 'opened' });
  });

  test('maintenance windows are append-only, and a declaration is validated', async ({ database }) => {
    const { clock } = await migratedStore(database.pool);
    const availability = new PgAvailabilityStore({ pool: database.pool, clock, logger: silentLogger });
    const window = await availability.declareMaintenance(
      {
        service: 'checkout',
        startsAt: '2026-01-02T00:00:00Z',
        endsAt: '2026-01-02T01:00:00Z',
        reason: 'upgrade',
      },
      { actor: 'api:bob' },
    );
    expect(window).toMatchObject({ id: 1, declaredBy: 'api:bob', retroactive: false });

    await expect(
      database.pool.query(`UPDATE maintenance_windows SET ends_at = starts_at + interval '1 minute'`),
    ).rejects.toThrow(/UPDATE on maintenance_windows is not allowed/);
    await expect(database.pool.query('DELETE FROM maintenance_windows')).rejects.toThrow(
      /DELETE on maintenance_windows is not allowed/,
    );

    await expect(
      availability.declareMaintenance(
        {
          service: 'checkout',
          startsAt: '2026-01-02T01:00:00Z',
          endsAt: '2026-01-02T00:00:00Z',
          reason: ' ',
        },
        { actor: 'api:bob' },
      ),
    ).rejects.toMatchObject({
      details: [
        { path: 'reason', message: 'say why (a change ticket, the work done)' },
        { path: 'endsAt', message: 'must be after startsAt' },
      ],
    });
    expect(await availability.listMaintenance({ service: 'checkout' })).toEqual([window]);
    expect(await availability.listMaintenance({ from: '2026-01-02T01:00:00Z' })).toEqual([]);
  });
});
