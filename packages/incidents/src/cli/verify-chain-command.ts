import pg from 'pg';
import { z } from 'zod';
import { ConfigError, errorMessage, parseEnv } from '@vigil/runtime';
import { verifyChain } from '../chain-verifier';
import type { ChainVerification } from '../incident-types';

export const VerifyChainConfig = z.object({
  /** The register's database, e.g. postgres://vigil:…@localhost:5432/vigil. Read only. */
  DATABASE_URL: z.string({ error: 'required: the connection string of the incident register' }).min(1),
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
    return result.ok ? EXIT.ok : EXIT.broken;
  } catch (error) {
    // The message of a connection error names host and port, never the password.
    options.err(`could not verify the chain: ${errorMessage(error)}`);
    return EXIT.failed;
  } finally {
    await pool.end();
  }
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
