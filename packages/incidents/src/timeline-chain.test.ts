import type { Pool } from 'pg';
import { describe, expect, test } from '../../../test/fixtures/services';
import { firingDetection, resolvedDetection, serviceDownDetection } from './detection-fixtures';
import { migratedStore } from './store-test-helpers';
import type { PgIncidentStore } from './pg-incident-store';

async function fillRegister(store: PgIncidentStore): Promise<void> {
  await store.applyDetection(firingDetection({ id: 'bf-1' }));
  await store.applyDetection(serviceDownDetection({ id: 'down-1' }));
  await store.applyDetection(firingDetection({ id: 'bf-2' }));
  await store.applyDetection(resolvedDetection({ id: 'up-1', attributes: { downtimeSeconds: 60 } }));
}

/** What someone with superuser rights could do: switch the triggers off and edit a row in place. */
async function behindTheDatabasesBack(pool: Pool, sql: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(sql);
    await client.query('SET session_replication_role = DEFAULT');
  } finally {
    client.release();
  }
}

describe('incident timeline', () => {
  test('the database refuses to update, delete or truncate timeline entries', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    await fillRegister(store);
    const attempts = [
      `UPDATE incident_timeline SET actor = 'mallory' WHERE id = 1`,
      'DELETE FROM incident_timeline WHERE id = 1',
      'TRUNCATE incident_timeline CASCADE',
    ];
    for (const sql of attempts) {
      await expect(database.pool.query(sql)).rejects.toThrow(
        /on incident_timeline is not allowed: the incident register is append-only/,
      );
    }
    const { rows } = await database.pool.query(
      `SELECT count(*)::int AS n, min(actor) AS actor FROM incident_timeline`,
    );
    expect(rows).toEqual([{ n: 4, actor: 'vigil:availability.service-down' }]);
  });

  test('incidents cannot be deleted', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    await fillRegister(store);
    await expect(database.pool.query('DELETE FROM incidents')).rejects.toThrow(
      /DELETE on incidents is not allowed/,
    );
  });

  test('every entry carries the hash of the one before it, across incidents', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    await fillRegister(store);
    const { rows } = await database.pool.query<{ id: string; prev_hash: string; hash: string }>(
      'SELECT id, prev_hash, hash FROM incident_timeline ORDER BY id',
    );
    expect(rows.map((row) => Number(row.id))).toEqual([1, 2, 3, 4]);
    expect(rows[0]?.prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash);
  });

  test('verifyChain accepts an intact chain and names the first entry altered behind its back', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    await fillRegister(store);
    const intact = await store.verifyChain();
    const { rows } = await database.pool.query<{ hash: string }>(
      'SELECT hash FROM incident_timeline WHERE id = 4',
    );
    expect(intact).toEqual({ ok: true, entries: 4, head: rows[0]?.hash });

    await behindTheDatabasesBack(
      database.pool,
      `UPDATE incident_timeline SET data = jsonb_set(data, '{detectionCount}', '1') WHERE id = 3`,
    );
    await behindTheDatabasesBack(
      database.pool,
      `UPDATE incident_timeline SET actor = 'mallory' WHERE id = 4`,
    );
    expect(await store.verifyChain()).toEqual({
      ok: false,
      firstBrokenId: 3,
      reason: 'content does not match its hash: the entry was altered',
      entry: {
        incidentId: expect.any(String),
        incidentRef: 'INC-1',
        kind: 'detection-added',
        actor: 'vigil:identity.brute-force',
        at: '2026-01-01T00:06:00.000Z',
      },
    });
  });

  test('verifyChain notices an entry removed from the middle or cut off the end', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    await fillRegister(store);
    await behindTheDatabasesBack(database.pool, 'DELETE FROM incident_timeline WHERE id = 4');
    expect(await store.verifyChain()).toMatchObject({ ok: false, firstBrokenId: 4 });

    await behindTheDatabasesBack(database.pool, 'DELETE FROM incident_timeline WHERE id = 2');
    expect(await store.verifyChain()).toEqual({
      ok: false,
      firstBrokenId: 2,
      reason: 'entry 2 is missing',
      entry: null,
    });
  });

  test('verifyChain on an empty register is ok with the genesis head', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    expect(await store.verifyChain()).toEqual({ ok: true, entries: 0, head: '0'.repeat(64) });
  });
});
