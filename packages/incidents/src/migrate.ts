import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { shippedPath } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';

/** `dist/migrations/` beside the built bundle, or `infra/migrations/` when running from source. */
export const DEFAULT_MIGRATIONS_DIR = shippedPath(import.meta.url, './migrations/', '../../../infra/migrations/');

/** Any fixed number works; it only has to be the same in every process that migrates this database. */
const MIGRATION_LOCK_KEY = 0x7669_676c;

const MIGRATION_FILE = /^(\d+)_[a-z0-9_-]+\.sql$/i;

export interface MigrateOptions {
  dir?: string | URL;
  logger?: Logger;
}

export interface MigrateResult {
  /** File names applied by this call, in order; empty when the database was up to date. */
  applied: string[];
}

interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Applies the numbered SQL files not yet recorded in `schema_migrations`, each in its own transaction.
 * A session advisory lock makes processes that start together take turns; the second one finds nothing
 * left to do. A file changed after it was applied is an error: the register's schema must be what the
 * files say it is.
 */
export async function migrate(pool: Pool, options: MigrateOptions = {}): Promise<MigrateResult> {
  const files = await readMigrations(options.dir ?? DEFAULT_MIGRATIONS_DIR);
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
        'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
      );
      const done = new Map(rows.map((row) => [row.version, row]));
      const applied: string[] = [];
      for (const file of files) {
        const previous = done.get(file.version);
        if (previous) {
          if (previous.checksum !== file.checksum) {
            throw new MigrationError(
              `migration ${file.name} changed after it was applied (as ${previous.name}); add a new migration instead`,
            );
          }
          continue;
        }
        await applyOne(client, file);
        applied.push(file.name);
        options.logger?.info({ migration: file.name }, 'migration applied');
      }
      return { applied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    broken = error;
    throw error;
  } finally {
    // A client whose session failed mid-way is discarded, which also drops any lock it still holds.
    client.release(broken instanceof Error && !(broken instanceof MigrationError) ? broken : undefined);
  }
}

async function applyOne(client: PoolClient, file: MigrationFile): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(file.sql);
    await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
      file.version,
      file.name,
      file.checksum,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw new MigrationError(`migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
  }
}

async function readMigrations(dir: string | URL): Promise<MigrationFile[]> {
  const directory = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  const seen = new Map<number, string>();
  for (const name of names) {
    const match = MIGRATION_FILE.exec(name);
    if (!match?.[1]) throw new MigrationError(`migration file ${name} is not named <number>_<name>.sql`);
    const version = Number(match[1]);
    const clash = seen.get(version);
    if (clash) throw new MigrationError(`migrations ${clash} and ${name} share the number ${version}`);
    seen.set(version, name);
    const sql = await readFile(path.join(directory, name), 'utf8');
    files.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files.sort((a, b) => a.version - b.version);
}
