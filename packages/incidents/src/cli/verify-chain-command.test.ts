import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { firingDetection, resolvedDetection, serviceDownDetection } from '../detection-fixtures';
import { systemClock } from '@vigil/runtime';
import { CheckpointLog } from '../proof/checkpoint-log';
import { registerSigner } from '../proof/register-signer';
import { migratedStore } from '../store-test-helpers';
import { timelineHash } from '../timeline-hash';
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
      out: [
        `chain ok: 4 entries, head ${rows[0]?.head_hash}`,
        'rows ok: 2 incident rows are the fold of their timelines',
        'checkpoints ok: none made yet',
      ],
      err: [],
    });
  });

  test('a row changed behind the register (superuser, triggers off) is named with the column, exit 1', async ({
    database,
  }) => {
    await fillRegister(database.pool);
    await alterAsSuperuser(
      database.pool,
      `UPDATE incidents SET status = 'resolved', resolved_at = '2026-01-01T00:07:00Z', resolved_by = 'api:mallory',
         root_cause = 'nothing to see' WHERE seq = 1`,
    );
    const result = await run({ DATABASE_URL: database.url });
    expect(result.code).toBe(1);
    expect(result.out[0]).toMatch(/^chain ok: 4 entries/);
    expect(result.err).toEqual([
      'ROW DIFFERS INC-1 status: row has "resolved", its timeline gives "acknowledged"',
      'ROW DIFFERS INC-1 resolvedAt: row has "2026-01-01T00:07:00.000Z", its timeline gives null',
      'ROW DIFFERS INC-1 resolvedBy: row has "api:mallory", its timeline gives null',
      'ROW DIFFERS INC-1 rootCause: row has "nothing to see", its timeline gives null',
    ]);
  });

  test('checkpoints: roots recomputed from the timeline, signatures checked with the public key', async ({
    database,
  }) => {
    await fillRegister(database.pool);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyFile = path.join(await mkdtemp(path.join(tmpdir(), 'vigil-key-')), 'public.pem');
    await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const log = new CheckpointLog({
      pool: database.pool,
      clock: systemClock,
      signer: registerSigner(privateKey),
    });
    await log.checkpoint('manual');
    const intact = await run({ DATABASE_URL: database.url, REGISTER_PUBLIC_KEY_FILE: keyFile });
    expect(intact.out.at(-1)).toBe('checkpoints ok: 1 roots match the timeline, signed and chained');
    expect(intact.code).toBe(0);

    // Someone rewrites entry 2 and every hash after it, chain head included: the chain verifies again,
    // but the signed checkpoint's root no longer comes out of the timeline.
    await alterAsSuperuser(database.pool, `UPDATE incident_timeline SET actor = 'api:mallory' WHERE id = 3`);
    const rehash = await database.pool.query<{
      id: string;
      incident_id: string;
      kind: string;
      actor: string;
      at: Date;
      data: Record<string, unknown>;
      prev_hash: string;
    }>('SELECT * FROM incident_timeline WHERE id >= 3 ORDER BY id');
    let prev = rehash.rows[0]?.prev_hash ?? '';
    for (const row of rehash.rows) {
      const hash = timelineHash(prev, {
        incidentId: row.incident_id,
        kind: row.kind,
        actor: row.actor,
        at: row.at.toISOString(),
        data: row.data,
      });
      await alterAsSuperuser(
        database.pool,
        `UPDATE incident_timeline SET prev_hash = '${prev}', hash = '${hash}' WHERE id = ${row.id}`,
      );
      prev = hash;
    }
    await alterAsSuperuser(database.pool, `UPDATE timeline_chain_head SET head_hash = '${prev}'`);
    const rewritten = await run({ DATABASE_URL: database.url, REGISTER_PUBLIC_KEY_FILE: keyFile });
    expect(rewritten.out[0]).toMatch(/^chain ok: 4 entries/);
    expect(rewritten.err).toContain(
      'CHECKPOINT checkpoint #1 (tree 4, 2026-01-01T00:06:00.000Z): the timeline no longer gives its root'.replace(
        '2026-01-01T00:06:00.000Z',
        (await log.latest())?.at ?? '',
      ),
    );
    expect(rewritten.code).toBe(1);
    // And the register refuses to sign over the rewritten history.
    await expect(log.checkpoint('manual')).rejects.toThrow(/no longer give the root signed in checkpoint #1/);
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
    // The row still says api:bob acknowledged; the altered entry says otherwise, and both are named.
    expect(await run({ DATABASE_URL: database.url })).toEqual({
      code: 1,
      out: ['checkpoints ok: none made yet'],
      err: [
        `chain broken at entry ${entry?.id}: content does not match its hash: the entry was altered`,
        `  entry ${entry?.id} now reads: acknowledged on INC-1 (${entry?.incident_id}) by api:mallory at 2026-01-01T00:06:00.000Z`,
        'ROW DIFFERS INC-1 acknowledgedBy: row has "api:bob", its timeline gives "api:mallory"',
      ],
    });
  });

  test('runs as a script: tsx packages/incidents/src/cli/verify-chain.ts', async ({ database }) => {
    await fillRegister(database.pool);
    const script = 'packages/incidents/src/cli/verify-chain.ts';
    const tsx = `${ROOT}node_modules/.bin/tsx`;
    const env = { ...process.env, DATABASE_URL: database.url };
    const intact = await promisify(execFile)(tsx, [script], { cwd: ROOT, env });
    expect(intact.stdout).toMatch(/^chain ok: 4 entries, head [0-9a-f]{64}\nrows ok: 2 incident rows/);

    await alterAsSuperuser(database.pool, 'DELETE FROM incident_timeline WHERE id = 2');
    const broken = await promisify(execFile)(tsx, [script], { cwd: ROOT, env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(broken).toMatchObject({ code: 1 });
    expect((broken as { stderr: string }).stderr).toMatch(/^chain broken at entry 2: entry 2 is missing\n/);
    // Each run boots tsx and compiles the script: seconds on a quiet machine, far more on a loaded one.
  }, 120_000);

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
