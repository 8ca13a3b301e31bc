import { migrate } from '@vigil/incidents';
import type { Logger } from '@vigil/telemetry';
import pg from 'pg';

/** A pool on the incident register, brought up to date by the migrations (safe when several services start at once). */
export async function openRegister(databaseUrl: string, logger: Logger, max: number): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  // An idle connection that breaks is replaced by the pool; without a listener it would end the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
  try {
    const { applied } = await migrate(pool, { logger });
    if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
    return pool;
  } catch (error) {
    await pool.end();
    throw error;
  }
}
