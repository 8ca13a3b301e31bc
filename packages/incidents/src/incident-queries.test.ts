import { ValidationError } from '@vigil/runtime';
import { describe, expect, test } from '../../../test/fixtures/services';
import { firingDetection, resolvedDetection, serviceDownDetection } from './detection-fixtures';
import type { PgIncidentStore } from './pg-incident-store';
import { migratedStore } from './store-test-helpers';

/**
 * INC-1 brute force, opened 01-01 00:05, still open
 * INC-2 service down, opened 01-02 10:00, resolved 01-02 11:00
 * INC-3 admin granted, opened 01-05, still open
 */
async function seed(store: PgIncidentStore): Promise<void> {
  await store.applyDetection(firingDetection({ id: 'bf', detectedAt: '2026-01-01T00:05:00.000Z' }));
  await store.applyDetection(serviceDownDetection({ id: 'down', detectedAt: '2026-01-02T10:00:00.000Z' }));
  await store.applyDetection(resolvedDetection({ id: 'up', detectedAt: '2026-01-02T11:00:00.000Z' }));
  await store.applyDetection(
    firingDetection({
      id: 'admin',
      ruleId: 'identity.admin-granted',
      dedupKey: 'identity.admin-granted:user:bob',
      criteria: ['CC7.2'],
      detectedAt: '2026-01-05T00:00:00.000Z',
    }),
  );
}

async function seqs(store: PgIncidentStore, query: Parameters<PgIncidentStore['listIncidents']>[0]) {
  return (await store.listIncidents(query)).incidents.map((incident) => incident.seq);
}

describe('PgIncidentStore reads', () => {
  test('a period selects incidents open at any moment of it', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    await seed(store);
    expect(await seqs(store, {})).toEqual([1, 2, 3]);
    // Before the outage: only the brute force was open.
    expect(await seqs(store, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T09:00:00Z' })).toEqual([1]);
    // During the outage.
    expect(await seqs(store, { from: '2026-01-02T10:30:00Z', to: '2026-01-02T10:45:00Z' })).toEqual([1, 2]);
    // After it was resolved: the outage is no longer in the population.
    expect(await seqs(store, { from: '2026-01-03T00:00:00Z', to: '2026-01-04T00:00:00Z' })).toEqual([1]);
    expect(await seqs(store, { from: '2026-01-03T00:00:00Z' })).toEqual([1, 3]);
    expect(await seqs(store, { to: '2026-01-01T00:05:00Z' })).toEqual([]);
  });

  test('status and criteria narrow the list', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    await seed(store);
    expect(await seqs(store, { status: ['resolved'] })).toEqual([2]);
    expect(await seqs(store, { status: ['open', 'acknowledged'] })).toEqual([1, 3]);
    expect(await seqs(store, { criteria: ['A1.2'] })).toEqual([2]);
    expect(await seqs(store, { criteria: ['CC7.3', 'A1.2'] })).toEqual([1, 2]);
    expect(await seqs(store, { criteria: ['CC7.2'], status: ['open'] })).toEqual([1, 3]);
  });

  test('pages follow the register number and end with a null cursor', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    for (let i = 0; i < 5; i++)
      await store.applyDetection(firingDetection({ id: `d${i}`, dedupKey: `k${i}` }));
    const pages: number[][] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await store.listIncidents({ limit: 2, cursor });
      pages.push(page.incidents.map((incident) => incident.seq));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(pages).toEqual([[1, 2], [3, 4], [5]]);
  });

  test('a cursor that was not handed out is a validation error naming the field', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const failure = store.listIncidents({ cursor: 'not-a-cursor' });
    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toMatchObject({ details: [expect.objectContaining({ path: 'cursor' })] });
  });

  test('getIncident returns the incident with evidence positions and its timeline in order', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    await seed(store);
    const [outage] = (await store.listIncidents({ status: ['resolved'] })).incidents;
    const detail = await store.getIncident(outage?.id ?? '');
    expect(detail).toMatchObject({
      seq: 2,
      status: 'resolved',
      resolvedAt: '2026-01-02T11:00:00.000Z',
      resolvedBy: 'vigil:availability.service-down',
    });
    expect(detail?.evidence).toEqual([
      expect.objectContaining({ eventId: 'okta:down', topic: 'vigil.events', partition: 2, offset: '41' }),
      expect.objectContaining({ eventId: 'okta:up' }),
    ]);
    expect(detail?.timeline.map((entry) => [entry.id, entry.kind])).toEqual([
      [2, 'detected'],
      [3, 'resolved'],
    ]);
    expect(await store.getIncident('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await store.getIncident('not-a-uuid')).toBeNull();
  });
});
