import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { resolvedDetection, serviceDownDetection } from '../detection-fixtures';
import { migratedStore } from '../store-test-helpers';
import { PgAvailabilityStore } from './pg-availability-store';
import type { ServiceCommitment } from './services-config';

const services: ServiceCommitment[] = [
  { id: 'checkout', name: 'Checkout', owner: null, commitment: 99.9, slo: null },
  { id: 'search', name: 'Search', owner: null, commitment: 99.5, slo: null },
];
const november = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

const down = (service: string, id: string, firstEventAt: string, detectedAt: string) =>
  serviceDownDetection({
    id,
    eventId: `probe:${id}`,
    dedupKey: `availability.service-down:service:${service}`,
    entity: { type: 'service', id: service },
    ownerKey: service,
    firstEventAt,
    detectedAt,
  });

describe('PgAvailabilityStore', () => {
  test('availability from real service-down incidents and a maintenance window', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    const availability = new PgAvailabilityStore({ pool: database.pool, clock, logger: silentLogger });

    // checkout: down 10:00 → 11:00 on Nov 10, measured by the rule (noticed 20 s late).
    await store.applyDetection(
      down('checkout', 'co-down', '2026-11-10T10:00:00.000Z', '2026-11-10T10:01:30.000Z'),
    );
    await store.applyDetection(
      resolvedDetection({
        id: 'co-up',
        eventId: 'probe:co-up',
        dedupKey: 'availability.service-down:service:checkout',
        entity: { type: 'service', id: 'checkout' },
        firstEventAt: '2026-11-10T10:00:00.000Z',
        detectedAt: '2026-11-10T11:00:20.000Z',
        attributes: { downtimeSeconds: 3600 },
      }),
    );
    // checkout: a false alarm on Nov 20, dismissed by a reviewer: no downtime.
    const falseAlarm = await store.applyDetection(
      down('checkout', 'co-false', '2026-11-20T08:00:00.000Z', '2026-11-20T08:01:30.000Z'),
    );
    await store.transition(falseAlarm.incident?.id ?? '', 'dismiss', {
      reason: 'the prober lost its network, not checkout',
      actor: 'api:alice',
    });
    // search: down since Nov 30 23:00 and still down.
    await store.applyDetection(
      down('search', 'se-down', '2026-11-30T23:00:00.000Z', '2026-11-30T23:01:30.000Z'),
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
    expect(declared).toMatchObject({
      service: 'checkout',
      declaredBy: 'api:sre-oncall',
      declaredAt: '2026-11-10T12:00:00.000Z',
      retroactive: true,
    });

    clock.set('2026-12-01T01:00:00.000Z');
    const [co, se] = await availability.availability(services, november);
    expect(co).toMatchObject({
      downtimeSeconds: 2700,
      maintenanceSeconds: 900,
      measuredSeconds: 2_592_000 - 900,
      commitment: { allowedDowntimeSeconds: 2591.1, met: false },
    });
    expect(co?.availability).toBeCloseTo(1 - 2700 / 2_591_100, 12);
    expect(co?.incidents).toMatchObject([
      {
        ref: 'INC-1',
        startedAt: '2026-11-10T10:00:00.000Z',
        endedAt: '2026-11-10T11:00:00.000Z',
        end: 'measured',
      },
    ]);
    expect(co?.maintenance).toEqual([declared]);
    expect(se).toMatchObject({
      downtimeSeconds: 3600,
      measuredUntil: '2026-12-01T00:00:00.000Z',
      incidents: [{ ref: 'INC-3', endedAt: null, end: 'ongoing', downtimeSecondsInPeriod: 3600 }],
      commitment: { allowedDowntimeSeconds: 12_960, met: true },
    });

    // October saw none of it.
    const [october] = await availability.availability(services, {
      from: '2026-10-01T00:00:00.000Z',
      to: '2026-11-01T00:00:00.000Z',
    });
    expect(october).toMatchObject({ downtimeSeconds: 0, availability: 1, incidents: [], maintenance: [] });
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
