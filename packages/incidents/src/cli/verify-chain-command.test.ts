import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { firingDetection, resolvedDetection, serviceDownDetection } from '../detection-fixtures';
import { migratedStore } from '../store-test-helpers';
import { verifyChainCommand } from './verify-chain-command';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

async function fillRegister(pool: Pool): Promise<void> {
  const { store } = await migratedStore(pool);
  const opened = await store.applyDetection(firingDetection({ id: 'bf-1' }));
  await store.applyDetection(serviceDownDetection({ id: 'down-1' }));
  await store.transition(opened.incident?.id ?? '', 'acknowledge', { actor: 'api:bob' });
  await store.applyDetection(resolvedDetection({ id: 'up-1' }));
}

/** What a superuser can do: switch the append-only triggers off and edit an entry in place. */
async function alterAsSuperuser(pool: Pool, sql: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(sql);
  } finally {
    await client.query('SET session_replication_role = DEFAULT');
    client.release();
  }
}

async function run(env: NodeJS.ProcessEnv): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await verifyChainCommand({
    env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out, err };
}

describe('verify-chain command', () => {
  test('an intact chain: the entry count and head hash, exit 0', async ({ database }) => {
    await fillRegister(database.pool);
    const { rows } = await database.pool.query<{ head_hash: string }>(
      'SELECT head_hash FROM timeline_chain_head',
    );
    expect(await run({ DATABASE_URL: database.url })).toEqual({
      code: 0,
      out: [`chain ok: 4 entries, head ${rows[0]?.head_hash}`],
      err: [],
    });
  });

  test('an entry altered behind the database: the first broken entry and its incident, exit 1', async ({
    database,
  }) => {
    await fillRegister(database.pool);
    await alterAsSuperuser(
      database.pool,
      `UPDATE incident_timeline SET actor = 'api:mallory' WHERE kind = 'acknowledged'`,
    );
    const { rows } = await database.pool.query<{ id: string; incident_id: string }>(
      `SELECT id, incident_id FROM incident_timeline WHERE kind = 'acknowledged'`,
    );
    const entry = rows[0];
    expect(await run({ DATABASE_URL: database.url })).toEqual({
      code: 1,
      out: [],
      err: [
        `chain broken at entry ${entry?.id}: content does not match its hash: the entry was altered`,
        `  entry ${entry?.id} now reads: acknowledged on INC-1 (${entry?.incident_id}) by api:mallory at 2026-01-01T00:06:00.000Z`,
      ],
    });
  });

  test('runs as a script: tsx packages/incidents/src/cli/verify-chain.ts', async ({ database }) => {
    await fillRegister(database.pool);
    const script = 'packages/incidents/src/cli/verify-chain.ts';
    const tsx = `${ROOT}node_modules/.bin/tsx`;
    const env = { ...process.env, DATABASE_URL: database.url };
    const intact = await promisify(execFile)(tsx, [script], { cwd: ROOT, env });
    expect(intact.stdout).toMatch(/^chain ok: 4 entries, head [0-9a-f]{64}\n$/);

    await alterAsSuperuser(database.pool, 'DELETE FROM incident_timeline WHERE id = 2');
    const broken = await promisify(execFile)(tsx, [script], { cwd: ROOT, env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(broken).toMatchObject({ code: 1, stderr: 'chain broken at entry 2: entry 2 is missing\n' });
  });

  test('without DATABASE_URL, or without a database to reach, it says so and exits 2', async () => {
    const missing = await run({});
    expect(missing.code).toBe(2);
    expect(missing.err.join('\n')).toContain(
      'DATABASE_URL: required: the connection string of the incident register',
    );

    const unreachable = await run({ DATABASE_URL: 'postgres://vigil:hunter2@127.0.0.1:1/vigil' });
    expect(unreachable.code).toBe(2);
    expect(unreachable.err).toEqual([expect.stringMatching(/^could not verify the chain: .*ECONNREFUSED/)]);
    expect(unreachable.err.join('\n')).not.toContain('hunter2');
  });
});
