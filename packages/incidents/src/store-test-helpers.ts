import type { Pool } from 'pg';
import { ManualClock } from '@vigil/runtime';
import { silentLogger } from '@vigil/telemetry';
import { migrate } from './migrate';
import { PgIncidentStore, type PgIncidentStoreOptions } from './pg-incident-store';
import { pgErrorCode } from './pg-transaction';

/** A store on a freshly migrated database, with a clock the test moves. */
export async function migratedStore(
  pool: Pool,
  options: Pick<PgIncidentStoreOptions, 'reopenWindowMs' | 'responseTargets' | 'services'> = {},
): Promise<{ store: PgIncidentStore; clock: ManualClock }> {
  tolerateDatabaseDrop(pool);
  await migrate(pool);
  const clock = new ManualClock(Date.parse('2026-01-01T00:06:00.000Z'));
  return { store: new PgIncidentStore({ pool, clock, logger: silentLogger, ...options }), clock };
}

/** Row counts of every register table: what a no-op must leave exactly as it was. */
export async function registerCounts(pool: Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<Record<string, number>>(`SELECT
    (SELECT count(*)::int FROM incidents) AS incidents,
    (SELECT count(*)::int FROM incident_evidence) AS evidence,
    (SELECT count(*)::int FROM incident_timeline) AS timeline,
    (SELECT count(*)::int FROM notifications) AS notifications,
    (SELECT count(*)::int FROM applied_detections) AS applied,
    (SELECT count(*)::int FROM incident_communications) AS communications,
    (SELECT count(*)::int FROM incident_action_keys) AS action_keys,
    (SELECT last_seq::int FROM incident_counter) AS last_seq`);
  const counts = rows[0];
  if (!counts) throw new Error('count query returned no row');
  return counts;
}

/**
 * `pool.end()` resolves before its connections have closed, and the `database` fixture drops the database
 * WITH (FORCE) right after it: a connection still closing is then killed (57P01) and the pool emits
 * 'error', which without a listener fails the run. Only that error is tolerated.
 */
export function tolerateDatabaseDrop(pool: Pool): void {
  pool.on('error', (error) => {
    if (pgErrorCode(error) !== '57P01') throw error;
  });
}
