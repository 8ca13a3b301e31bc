import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, test } from '../../../test/fixtures/services';
import { migrate, MigrationError } from './migrate';
import { tolerateDatabaseDrop } from './store-test-helpers';

async function scratchDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-migrations-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(dir, name), sql);
  return dir;
}

describe('migrate', () => {
  test('applies the repository migrations once and records them', async ({ database }) => {
    tolerateDatabaseDrop(database.pool);
    expect((await migrate(database.pool)).applied).toContain('001_init.sql');
    expect(await migrate(database.pool)).toEqual({ applied: [] });
    const { rows } = await database.pool.query(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    expect(rows[0]).toEqual({ version: 1, name: '001_init.sql' });
    const tables = await database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables
       WHERE table_name IN ('incidents', 'incident_timeline', 'notifications', 'applied_detections')`,
    );
    expect(tables.rows[0]?.n).toBe(4);
  });

  test('two processes starting at once apply each migration exactly once', async ({ database }) => {
    tolerateDatabaseDrop(database.pool);
    const other = new pg.Pool({ connectionString: database.url, max: 2 });
    tolerateDatabaseDrop(other);
    try {
      const results = await Promise.all([migrate(database.pool), migrate(other), migrate(database.pool)]);
      const applied = results.flatMap((r) => r.applied);
      expect(applied).toEqual(expect.arrayContaining(['001_init.sql', '002_incident_lifecycle.sql']));
      expect(new Set(applied).size).toBe(applied.length);
      const { rows } = await database.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM schema_migrations',
      );
      expect(rows[0]?.n).toBe(applied.length);
    } finally {
      await other.end();
    }
  });

  test('applies in numeric order; a failing file leaves nothing of itself and stops the run', async ({
    database,
  }) => {
    tolerateDatabaseDrop(database.pool);
    const dir = await scratchDir({
      '2_second.sql': 'INSERT INTO log VALUES (2);',
      '10_broken.sql': 'INSERT INTO log VALUES (10); SELECT no_such_function();',
      '1_first.sql': 'CREATE TABLE log (n int); INSERT INTO log VALUES (1);',
    });
    try {
      await expect(migrate(database.pool, { dir })).rejects.toThrow(
        /migration 10_broken\.sql failed: .*no_such_function/,
      );
      const log = await database.pool.query<{ n: number }>('SELECT n FROM log ORDER BY n');
      expect(log.rows.map((row) => row.n)).toEqual([1, 2]);
      const applied = await database.pool.query<{ name: string }>(
        'SELECT name FROM schema_migrations ORDER BY version',
      );
      expect(applied.rows.map((row) => row.name)).toEqual(['1_first.sql', '2_second.sql']);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test('a migration edited after it was applied is refused', async ({ database }) => {
    tolerateDatabaseDrop(database.pool);
    const dir = await scratchDir({ '1_first.sql': 'CREATE TABLE t (n int);' });
    try {
      await migrate(database.pool, { dir });
      await writeFile(path.join(dir, '1_first.sql'), 'CREATE TABLE t (n bigint);');
      await expect(migrate(database.pool, { dir })).rejects.toThrow(MigrationError);
      await expect(migrate(database.pool, { dir })).rejects.toThrow(
        /1_first\.sql changed after it was applied/,
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test('files that are not numbered migrations are refused before anything runs', async ({ database }) => {
    tolerateDatabaseDrop(database.pool);
    const dir = await scratchDir({ 'init.sql': 'CREATE TABLE t (n int);' });
    try {
      await expect(migrate(database.pool, { dir })).rejects.toThrow(
        /init\.sql is not named <number>_<name>\.sql/,
      );
      const { rows } = await database.pool.query(`SELECT to_regclass('schema_migrations') AS t`);
      expect(rows).toEqual([{ t: null }]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
