import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  ConfigError,
  errorMessage,
  parseEnv,
  systemClock,
  type Clock,
  ValidationError,
} from '@vigil/runtime';
import { auditPeriod } from '../audit-period';
import type { AuditPeriod } from '../audit-types';
import {
  assertEmptyDirectory,
  buildEvidenceBundle,
  sampleFromPopulation,
  writeEvidenceBundle,
} from '../evidence-bundle';
import { PgAuditRegister } from '../pg-audit-register';
import { connectRegister } from '../register-connection';
import { SampleSeed, SampleSize } from '../sampling';
import { describeMissing } from '../sequence-check';

export const USAGE = `usage: export-bundle --from <ISO time> --to <ISO time> --out <new directory>
                     [--sample-seed <text> [--sample-size <n>]] [--by <name>]
  Writes population.csv, population.json, timelines.json, summary.json, report.html, query.txt,
  (sample.json,) and manifest.json for the period [from, to). DATABASE_URL names the register.
  --sample-size defaults to the auditor's table (<=5: all; 6-50: 5; 51-250: 10 %; >250: 25).
  --by names who exported it in audit_exports (default: the OS user).
  Exit 0: written, register intact; 1: written, but numbers are missing or the chain is broken;
  2: nothing written.`;

export const ExportBundleConfig = z.object({
  /** The register's database; the export reads one snapshot and appends one row to audit_exports. */
  DATABASE_URL: z.string({ error: 'required: the connection string of the incident register' }).min(1),
});

export interface ExportBundleCommandOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  clock?: Clock;
}

export const EXIT = { ok: 0, registerProblem: 1, failed: 2 } as const;

interface BundleRequest {
  period: AuditPeriod;
  dir: string;
  seed?: string;
  size?: number;
  by: string;
}

/** `export-bundle`: writes a period's evidence bundle. Returns the exit code; never throws. */
export async function exportBundleCommand(options: ExportBundleCommandOptions): Promise<number> {
  let request: BundleRequest;
  let config: z.infer<typeof ExportBundleConfig>;
  try {
    request = parseRequest(options.argv);
    config = parseEnv(ExportBundleConfig, options.env);
  } catch (error) {
    options.err(describeFailure(error));
    if (!(error instanceof ConfigError)) options.err(USAGE);
    return EXIT.failed;
  }

  const pool = connectRegister(config.DATABASE_URL);
  try {
    await assertEmptyDirectory(request.dir);
    const register = new PgAuditRegister({ pool, clock: options.clock ?? systemClock });
    const population = await register.populationWithTimelines(request.period);
    const sample = request.seed ? sampleFromPopulation(population, request.seed, request.size) : undefined;
    const bundle = buildEvidenceBundle(population, sample);
    // Recorded before the files exist: an export that fails after this still shows up as requested.
    const recorded = await register.recordExport({
      principal: `cli:${request.by}`,
      role: null,
      kind: 'bundle',
      format: 'bundle',
      period: population.period,
      rowCount: population.counts.incidents,
      parameters: {
        files: bundle.files.map((file) => file.name),
        ...(sample ? { sampleSeed: sample.choice.seed, sampleSize: sample.choice.size } : {}),
      },
      contentSha256: bundle.manifestSha256,
    });
    await writeEvidenceBundle(request.dir, bundle);

    const { period, sequence, chain, counts } = population;
    options.out(`wrote ${bundle.files.length + 1} files to ${request.dir}`);
    options.out(`population: ${counts.incidents} incidents in [${period.from}, ${period.to})`);
    if (sample)
      options.out(`sample: ${sample.choice.size} incidents, seed ${JSON.stringify(sample.choice.seed)}`);
    options.out(`manifest sha256: ${bundle.manifestSha256} (audit export #${recorded.id})`);
    const problems: string[] = [];
    if (sequence.contiguous) {
      options.out(`numbering: contiguous, 1..${sequence.lastIssued}`);
    } else {
      problems.push(
        `numbering: NOT contiguous: missing ${describeMissing(sequence.missing) || 'none'}` +
          sequence.problems.map((problem) => `; ${problem}`).join(''),
      );
    }
    if (chain.ok) options.out(`chain: intact, ${chain.entries} entries, head ${chain.head}`);
    else problems.push(`chain: BROKEN at entry ${chain.firstBrokenId}: ${chain.reason}`);
    for (const problem of problems) options.err(problem);
    return problems.length === 0 ? EXIT.ok : EXIT.registerProblem;
  } catch (error) {
    options.err(`could not export the bundle: ${describeFailure(error)}`);
    return EXIT.failed;
  } finally {
    await pool.end();
  }
}

function parseRequest(argv: string[]): BundleRequest {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      'sample-seed': { type: 'string' },
      'sample-size': { type: 'string' },
      by: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const missing = (['from', 'to', 'out'] as const).filter((name) => !values[name]);
  if (missing.length > 0) throw new Error(`missing ${missing.map((name) => `--${name}`).join(', ')}`);
  const period = auditPeriod({ from: values.from ?? '', to: values.to ?? '' });
  const seed = values['sample-seed'];
  if (seed !== undefined && !SampleSeed.safeParse(seed).success) {
    throw new Error('--sample-seed must be 1 to 200 printable ASCII characters');
  }
  let size: number | undefined;
  if (values['sample-size'] !== undefined) {
    if (seed === undefined) throw new Error('--sample-size needs --sample-seed');
    const parsed = SampleSize.safeParse(values['sample-size']);
    if (!parsed.success) throw new Error('--sample-size must be a whole number from 1 to 10000');
    size = parsed.data;
  }
  return {
    period,
    dir: values.out ?? '',
    ...(seed !== undefined ? { seed } : {}),
    ...(size !== undefined ? { size } : {}),
    by: values.by ?? osUser(),
  };
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof ValidationError) {
    return `${error.message}: ${error.details.map((detail) => `--${detail.path} ${detail.message}`).join('; ')}`;
  }
  // A connection error names host and port, never the password.
  return errorMessage(error);
}
