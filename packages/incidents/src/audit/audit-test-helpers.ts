import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import type { ManualClock } from '@vigil/runtime';
import type { Detection } from '@vigil/schema';
import { firingDetection } from '../detection-fixtures';
import type { PgIncidentStore } from '../pg-incident-store';

/** Opens an incident whose dedup key is its own, detected at `detectedAt`; returns its id. */
export async function openAt(
  store: PgIncidentStore,
  clock: ManualClock,
  key: string,
  detectedAt: string,
  overrides: Partial<Detection> = {},
): Promise<string> {
  clock.set(detectedAt);
  const opened = await store.applyDetection(
    firingDetection({
      id: key,
      dedupKey: `audit:${key}`,
      title: `incident ${key}`,
      firstEventAt: detectedAt,
      detectedAt,
      // The triggering event is the first one: time to detect is detectedAt − firstEventAt.
      evidence: [{ eventId: `okta:${key}`, topic: 'vigil.events', partition: 2, offset: '41', time: overrides.firstEventAt ?? detectedAt }],
      ...overrides,
    }),
  );
  if (!opened.incident) throw new Error(`detection ${key} opened no incident`);
  return opened.incident.id;
}

/** The store's own transition, at a given time. */
export async function actAt(
  store: PgIncidentStore,
  clock: ManualClock,
  id: string,
  at: string,
  action: 'acknowledge' | 'contain' | 'resolve' | 'dismiss' | 'close',
  fields: Record<string, string> = {},
): Promise<void> {
  clock.set(at);
  await store.transition(id, action, { actor: 'api:alice', ...fields });
}

/** What a database superuser can do behind the register's back: triggers (and foreign keys) off. */
export async function asSuperuser(pool: Pool, sql: string, params: unknown[] = []): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(sql, params);
  } finally {
    await client.query('SET session_replication_role = DEFAULT');
    client.release();
  }
}

/**
 * A known month, February 2026, and four incidents with known response times (all SEV targets default):
 * INC-1 SEV1 security, detected 60 s after its first event, acked after 10 m, contained after 30 m,
 *   resolved after 2 h: both targets met.
 * INC-2 SEV2 availability, detect 120 s, acked after 1 h (target 30 m: missed), resolved after 36 h
 *   (target 24 h: missed); flagged DC 4.
 * INC-3 SEV3 security, detect 300 s, dismissed after 1 h ("test account"): acknowledgement met by the
 *   dismissal, resolution not applicable.
 * INC-4 SEV2 logging, detect 600 s, never touched: both targets missed by the export on 03-10; open at the end.
 */
export async function seedKnownMonth(store: PgIncidentStore, clock: ManualClock): Promise<string[]> {
  const inc1 = await openAt(store, clock, 'one', '2026-02-02T00:01:00.000Z', {
    firstEventAt: '2026-02-02T00:00:00.000Z',
    severity: 'SEV1',
    criteria: ['CC7.2', 'CC7.3'],
  });
  await actAt(store, clock, inc1, '2026-02-02T00:11:00.000Z', 'acknowledge');
  await actAt(store, clock, inc1, '2026-02-02T00:31:00.000Z', 'contain');
  await actAt(store, clock, inc1, '2026-02-02T02:01:00.000Z', 'resolve', { rootCause: 'reused password' });

  const inc2 = await openAt(store, clock, 'two', '2026-02-03T00:02:00.000Z', {
    firstEventAt: '2026-02-03T00:00:00.000Z',
    severity: 'SEV2',
    category: 'availability',
    criteria: ['A1.2', 'CC7.4'],
    ruleId: 'availability.service-down',
  });
  await actAt(store, clock, inc2, '2026-02-03T01:02:00.000Z', 'acknowledge');
  await actAt(store, clock, inc2, '2026-02-04T12:02:00.000Z', 'resolve');
  await store.updateDetails(inc2, { dc4Candidate: true }, { actor: 'api:alice' });

  const inc3 = await openAt(store, clock, 'three', '2026-02-05T00:05:00.000Z', {
    firstEventAt: '2026-02-05T00:00:00.000Z',
    severity: 'SEV3',
    criteria: ['CC7.2'],
  });
  await actAt(store, clock, inc3, '2026-02-05T01:05:00.000Z', 'dismiss', { reason: 'test account' });

  const inc4 = await openAt(store, clock, 'four', '2026-02-20T00:10:00.000Z', {
    firstEventAt: '2026-02-20T00:00:00.000Z',
    severity: 'SEV2',
    category: 'logging',
    criteria: ['CC7.2'],
    ruleId: 'logging.audit-disabled',
  });
  clock.set('2026-03-10T00:00:00.000Z');
  return [inc1, inc2, inc3, inc4];
}

export const FEBRUARY = { from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' } as const;

/** One register key for the tests of a file: the private PEM for exports, the public one as a file for verifiers. */
export const TEST_KEY = (() => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let file: Promise<string> | undefined;
  return {
    privateKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem,
    publicKeyFile(): Promise<string> {
      file ??= mkdtemp(path.join(tmpdir(), 'vigil-key-')).then(async (dir) => {
        const name = path.join(dir, 'register-public.pem');
        await writeFile(name, publicPem);
        return name;
      });
      return file;
    },
  };
})();

/** Temporary directories for a test file: `make()` one, `clear()` them all (in afterEach). */
export function scratchDirs(prefix: string) {
  const made: string[] = [];
  return {
    async make(): Promise<string> {
      const dir = await mkdtemp(path.join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    async clear(): Promise<void> {
      await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

const VERIFIER = fileURLToPath(new URL('../../../../tools/verify-bundle.mjs', import.meta.url));

/** tools/verify-bundle.mjs as an auditor runs it: plain node, an empty environment, the test key. */
export async function runStandaloneVerifier(
  dir: string,
  ...extra: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [VERIFIER, dir, '--public-key', await TEST_KEY.publicKeyFile(), ...extra];
  return promisify(execFile)(process.execPath, args, { cwd: tmpdir(), env: {} }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}
