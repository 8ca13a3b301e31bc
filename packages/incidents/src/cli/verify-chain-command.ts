import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { z } from 'zod';
import { ConfigError, errorMessage, parseEnv, systemClock } from '@vigil/runtime';
import { checkHistory } from '../../../../tools/verify-bundle.mjs';
import { CheckpointLog } from '../proof/checkpoint-log';
import { checkRegisterRows } from '../proof/pg-row-check';
import { describeDifference } from '../proof/row-fold';
import { verifyChain } from '../chain-verifier';
import type { ChainVerification } from '../incident-types';

export const VerifyChainConfig = z.object({
  /** The register's database, e.g. postgres://vigil:…@localhost:5432/vigil. Read only. */
  DATABASE_URL: z.string({ error: 'required: the connection string of the incident register' }).min(1),
  /** PEM file of the register's public key; set, every checkpoint's signature and link is checked too. */
  REGISTER_PUBLIC_KEY_FILE: z.string().min(1).optional(),
});

export interface VerifyChainCommandOptions {
  env: NodeJS.ProcessEnv;
  /** One line of the report (stdout). */
  out: (line: string) => void;
  /** One line of trouble (stderr). */
  err: (line: string) => void;
}

/** Exit codes: the chain is intact, it is broken, or it could not be checked at all. */
export const EXIT = { ok: 0, broken: 1, failed: 2 } as const;

/**
 * `verify-chain`: recomputes the register's whole hash chain and reports `chain ok: N entries, head <hash>`,
 * or the first broken entry. Returns the exit code; never throws.
 */
export async function verifyChainCommand(options: VerifyChainCommandOptions): Promise<number> {
  let config: z.infer<typeof VerifyChainConfig>;
  try {
    config = parseEnv(VerifyChainConfig, options.env);
  } catch (error) {
    options.err(error instanceof ConfigError ? error.message : errorMessage(error));
    return EXIT.failed;
  }

  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 1 });
  // An idle connection dropped by the server must not crash the command; the query itself reports it.
  pool.on('error', () => undefined);
  try {
    const result = await verifyChain(pool);
    for (const line of describe(result)) (result.ok ? options.out : options.err)(line);
    const rows = await checkRegisterRows(pool);
    for (const difference of rows.differences) options.err(`ROW DIFFERS ${describeDifference(difference)}`);
    if (rows.differences.length === 0) options.out(`rows ok: ${rows.checked} incident rows are the fold of their timelines`);
    const checkpoints = await checkCheckpoints(pool, config.REGISTER_PUBLIC_KEY_FILE);
    for (const problem of checkpoints.problems) options.err(`CHECKPOINT ${problem}`);
    if (checkpoints.problems.length === 0) options.out(`checkpoints ok: ${checkpoints.summary}`);
    const ok = result.ok && rows.differences.length === 0 && checkpoints.problems.length === 0;
    return ok ? EXIT.ok : EXIT.broken;
  } catch (error) {
    // The message of a connection error names host and port, never the password.
    options.err(`could not verify the chain: ${errorMessage(error)}`);
    return EXIT.failed;
  } finally {
    await pool.end();
  }
}

/** Every checkpoint's root against the timeline, and with the public key their signatures and links. */
async function checkCheckpoints(pool: pg.Pool, publicKeyFile: string | undefined): Promise<{ summary: string; problems: string[] }> {
  const log = new CheckpointLog({ pool, clock: systemClock });
  const { checkpoints, problems } = await log.checkAgainstTimeline();
  if (checkpoints === 0) return { summary: 'none made yet', problems };
  if (!publicKeyFile) {
    return { summary: `${checkpoints} roots match the timeline (signatures not checked: set REGISTER_PUBLIC_KEY_FILE)`, problems };
  }
  const publicKey = createPublicKey(await readFile(publicKeyFile, 'utf8'));
  const latest = await log.latest();
  const history = await log.history(latest?.seq ?? 0);
  problems.push(...checkHistory(history, publicKey));
  return { summary: `${checkpoints} roots match the timeline, signed and chained`, problems };
}

export function describe(result: ChainVerification): string[] {
  if (result.ok) return [`chain ok: ${result.entries} entries, head ${result.head}`];
  const lines = [`chain broken at entry ${result.firstBrokenId}: ${result.reason}`];
  const { entry } = result;
  if (entry) {
    const incident = entry.incidentRef ?? 'an unknown incident';
    lines.push(
      `  entry ${result.firstBrokenId} now reads: ${entry.kind} on ${incident} (${entry.incidentId}) ` +
        `by ${entry.actor} at ${entry.at}`,
    );
  }
  return lines;
}
