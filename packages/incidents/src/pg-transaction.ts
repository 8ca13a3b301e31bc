import type { Pool, PoolClient } from 'pg';
import type { Logger } from '@vigil/telemetry';

export interface TransactionOptions {
  /** `BEGIN` variant, e.g. `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY` for consistent reads. */
  begin?: string;
  /** Whether a failure means "run the whole transaction again" (a lost race, a deadlock). */
  retryIf?: (error: unknown) => boolean;
  attempts?: number;
  logger?: Logger;
  name?: string;
}

/** Runs `work` in one transaction, committing on success and rolling back on failure, retrying when told. */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(pool, work, options.begin ?? 'BEGIN');
    } catch (error) {
      if (attempt >= attempts || !options.retryIf?.(error)) throw error;
      options.logger?.debug(
        { transaction: options.name, attempt, code: pgErrorCode(error), constraint: pgConstraint(error) },
        'transaction lost a race; retrying',
      );
      // A little jitter so two losers do not collide again on the same beat.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

async function runOnce<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, begin: string): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is in an unknown state; it must not go back to the pool.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw error;
    }
  } finally {
    client.release(broken);
  }
}

export function pgErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function pgConstraint(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}

/** Serialization failures and deadlocks: PostgreSQL's own "try again". */
export function isTransientConflict(error: unknown): boolean {
  const code = pgErrorCode(error);
  return code === '40001' || code === '40P01';
}

export function isUniqueViolation(error: unknown, constraints: readonly string[]): boolean {
  const constraint = pgConstraint(error);
  return pgErrorCode(error) === '23505' && constraint !== undefined && constraints.includes(constraint);
}
