import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { vi } from 'vitest';
import { ManualClock } from '@vigil/runtime';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { bearer, detection, TOKENS } from '../api-test-helpers';
import { auditApiOver } from './audit-test-helpers';
import { tokensCommand } from './cli/tokens-command';
import { DatabaseTokens } from './database-tokens';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SUMMARY = '/v1/audit/summary?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z';

async function tokens(url: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await tokensCommand({
    argv,
    env: { DATABASE_URL: url },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    clock: new ManualClock(Date.parse('2026-03-01T00:00:00Z')),
  });
  return { code, out, err };
}

describe('database tokens', () => {
  test('a token created with the CLI works at once; revoked, it is refused at once', async ({ database }) => {
    const { app } = await auditApiOver(database.pool, {
      // No periodic refresh within the test: only the database's notification can bring the change.
      databaseTokens: (logger) =>
        new DatabaseTokens({ pool: database.pool, logger, refreshMs: 60_000, maxAgeMs: 120_000 }),
    });
    const created = await tokens(
      database.url,
      'create',
      '--name',
      'jane-auditor',
      '--role',
      'auditor',
      '--by',
      'ops',
    );
    expect(created.code).toBe(0);
    const token = created.out[0] ?? '';
    expect(token).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    const status = async () =>
      (await app.inject({ method: 'GET', url: SUMMARY, headers: bearer(token) })).statusCode;
    await vi.waitFor(async () => expect(await status()).toBe(200), { timeout: 2000, interval: 20 });

    // Recorded under the database token's name.
    const exports = await app.inject({ method: 'GET', url: '/v1/audit/exports', headers: bearer(token) });
    expect(exports.json()).toMatchObject({ exports: [{ principal: 'api:jane-auditor', role: 'auditor' }] });

    expect(await tokens(database.url, 'revoke', '--name', 'jane-auditor')).toMatchObject({
      code: 0,
      out: ['token jane-auditor revoked'],
    });
    await vi.waitFor(async () => expect(await status()).toBe(401), { timeout: 2000, interval: 20 });
    // The configured tokens are untouched.
    const configured = await app.inject({ method: 'GET', url: SUMMARY, headers: bearer(TOKENS.auditor) });
    expect(configured.statusCode).toBe(200);
    await app.close();
  });

  test('a database auditor token may export but not act: 403 on ack', async ({ database }) => {
    const { app, store, databaseTokens } = await auditApiOver(database.pool, {
      databaseTokens: (logger) => new DatabaseTokens({ pool: database.pool, logger }),
    });
    const opened = await store.applyDetection(detection({ id: 'bf' }));
    const { out } = await tokens(database.url, 'create', '--name', 'ext-audit', '--role', 'auditor');
    await databaseTokens?.refresh();
    const token = out[0] ?? '';
    const ack = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${opened.incident?.id}/ack`,
      headers: bearer(token),
      payload: {},
    });
    expect(ack.statusCode).toBe(403);
    expect(ack.json()).toEqual({
      error: { code: 'forbidden', message: 'role auditor may not POST /v1/incidents/:id/ack' },
    });
    await app.close();
  });

  test('when the list cannot be re-read in time, database tokens are refused and configured ones still work', async ({
    database,
  }) => {
    const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    const { app, databaseTokens } = await auditApiOver(database.pool, {
      databaseTokens: (logger) =>
        new DatabaseTokens({ pool: database.pool, logger, clock, refreshMs: 60_000, maxAgeMs: 120_000 }),
    });
    const { out } = await tokens(database.url, 'create', '--name', 'stale', '--role', 'admin');
    await databaseTokens?.refresh();
    const token = out[0] ?? '';
    const status = async (presented: string) =>
      (await app.inject({ method: 'GET', url: SUMMARY, headers: bearer(presented) })).statusCode;
    expect(await status(token)).toBe(200);
    clock.advance(120_001);
    expect(await status(token)).toBe(401);
    expect(await status(TOKENS.admin)).toBe(200);
    await databaseTokens?.refresh();
    expect(await status(token)).toBe(200);
    await app.close();
    // Stopped: refused.
    expect(databaseTokens?.verify(token)).toBeNull();
  });
});

describe('tokens CLI', () => {
  test('create prints the token once; list shows neither token nor hash; names are never reused', async ({
    database,
  }) => {
    await auditApiOver(database.pool);
    const created = await tokens(database.url, 'create', '--name', 'jane', '--role', 'viewer', '--by', 'ops');
    expect(created.err).toEqual(['token jane (viewer) created; it is shown this once, keep it now']);
    const token = created.out[0] ?? '';
    const { rows } = await database.pool.query<{ sha256: string }>('SELECT sha256 FROM api_tokens');
    expect(rows[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(token);

    const listed = await tokens(database.url, 'list');
    expect(listed.out).toEqual([
      'name\trole\tcreated_at\tcreated_by\trevoked_at\trevoked_by',
      'jane\tviewer\t2026-03-01T00:00:00.000Z\tcli:ops\t-\t-',
    ]);
    expect(listed.out.join('\n')).not.toContain(token);
    expect(listed.out.join('\n')).not.toContain(rows[0]?.sha256);

    expect(await tokens(database.url, 'create', '--name', 'jane', '--role', 'admin')).toMatchObject({
      code: 1,
      err: ['a token named jane exists (or existed); token names are never reused'],
    });
    expect(await tokens(database.url, 'revoke', '--name', 'jane', '--by', 'ops')).toMatchObject({ code: 0 });
    expect(await tokens(database.url, 'revoke', '--name', 'jane')).toMatchObject({
      code: 1,
      err: ['token jane was already revoked'],
    });
    expect(await tokens(database.url, 'revoke', '--name', 'nobody')).toMatchObject({
      code: 1,
      err: ['no token named nobody'],
    });
    expect((await tokens(database.url, 'list')).out[1]).toBe(
      'jane\tviewer\t2026-03-01T00:00:00.000Z\tcli:ops\t2026-03-01T00:00:00.000Z\tcli:ops',
    );
  });

  test('the table keeps every token: no delete, no un-revoking, no change of role', async ({ database }) => {
    await auditApiOver(database.pool);
    await tokens(database.url, 'create', '--name', 'kept', '--role', 'viewer');
    await expect(database.pool.query('DELETE FROM api_tokens')).rejects.toThrow(/not allowed/);
    await expect(database.pool.query(`UPDATE api_tokens SET role = 'admin'`)).rejects.toThrow(
      /can only be revoked, once/,
    );
    await tokens(database.url, 'revoke', '--name', 'kept');
    await expect(
      database.pool.query('UPDATE api_tokens SET revoked_at = NULL, revoked_by = NULL'),
    ).rejects.toThrow(/can only be revoked, once/);
  });

  test('refuses what it cannot do, saying why', async ({ database }) => {
    await auditApiOver(database.pool);
    expect(await tokens(database.url, 'create', '--name', 'x', '--role', 'root')).toMatchObject({
      code: 2,
      err: ['invalid token: --role must be one of viewer, responder, admin, auditor'],
    });
    expect((await tokens(database.url, 'create', '--name', '-rf /', '--role', 'viewer')).code).toBe(2);
    expect((await tokens(database.url, 'create', '--role', 'viewer')).err[0]).toBe('create needs --name');
    expect((await tokens(database.url, 'rotate')).err[0]).toBe('unknown command rotate');
    const noDatabase = await tokensCommand({
      argv: ['list'],
      env: {},
      out: () => undefined,
      err: () => undefined,
    });
    expect(noDatabase).toBe(2);
  });

  test('runs as a script', async ({ database }) => {
    await auditApiOver(database.pool);
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: database.url };
    const script = 'packages/api/src/audit/cli/tokens.ts';
    const tsx = `${ROOT}node_modules/.bin/tsx`;
    const created = await run(tsx, [script, 'create', '--name', 'scripted', '--role', 'auditor'], {
      cwd: ROOT,
      env,
    });
    expect(created.stdout).toMatch(/^vgl_[A-Za-z0-9_-]{43}\n$/);
    const listed = await run(tsx, [script, 'list'], { cwd: ROOT, env });
    expect(listed.stdout).toContain('scripted\tauditor\t');
    // Each run boots tsx and compiles the script: seconds on a quiet machine, far more on a loaded one.
  }, 120_000);
});
