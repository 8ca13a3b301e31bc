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
import { CheckpointLog } from '../../proof/checkpoint-log';
import { buildCuecReport } from '../../vendors/cuec-report';
import { loadVendorsConfig } from '../../vendors/vendors-file';
import { loadRegisterSigner, type RegisterSigner } from '../../proof/register-signer';
import { checkRows, describeDifference } from '../../proof/row-fold';
import { auditPeriod } from '../audit-period';
import type { AuditedIncident, AuditPeriod, AuditPopulation } from '../audit-types';
import { recordOnly } from '../population-files';
import {
  assertEmptyDirectory,
  buildEvidenceBundle,
  type BundleProof,
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
  (sample.json,) (cuec-report.json / .csv / .txt with VENDORS_FILE,) checkpoints.json, proofs.json and
  manifest.json for the period [from, to), signed with the register key (REGISTER_SIGNING_KEY_FILE).
  DATABASE_URL names the register.
  --sample-size defaults to the auditor's table (<=5: all; 6-50: 5; 51-250: 10 %; >250: 25).
  --by names who exported it in audit_exports (default: the OS user).
  Exit 0: written, register intact; 1: written, but numbers are missing or the chain is broken;
  2: nothing written.`;

export const ExportBundleConfig = z.object({
  /** The register's database; the export reads one snapshot and appends one row to audit_exports. */
  DATABASE_URL: z.string({ error: 'required: the connection string of the incident register' }).min(1),
  /** PEM file of the register's Ed25519 private key, which signs the manifest and the export's checkpoint. */
  REGISTER_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** The PEM itself, when it comes from a secret store rather than a file (`\n` may stand for line ends). */
  REGISTER_SIGNING_KEY: z.string().min(1).optional(),
  /** Vendors and their CUECs: when set, the bundle carries the CUEC report of the period (cuec-report.*). */
  VENDORS_FILE: z.string().min(1).optional(),
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
  let signer: RegisterSigner;
  try {
    request = parseRequest(options.argv);
    config = parseEnv(ExportBundleConfig, options.env);
    const loaded = loadRegisterSigner({ file: config.REGISTER_SIGNING_KEY_FILE, pem: config.REGISTER_SIGNING_KEY });
    if (!loaded) throw new ConfigError(['REGISTER_SIGNING_KEY_FILE: required: bundles are signed with the register key']);
    signer = loaded;
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
    const clock = options.clock ?? systemClock;
    const proof = await proveBundle(new CheckpointLog({ pool, clock, signer }), signer, population);
    const vendors = loadVendorsConfig(config.VENDORS_FILE);
    const cuec = vendors.vendors.length > 0 ? await buildCuecReport(pool, vendors, request.period, new Date(clock.now())) : undefined;
    const bundle = buildEvidenceBundle(population, proof, sample, cuec);
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
    const { checkpoint, rows } = proof;
    options.out(`checkpoint #${checkpoint.seq}: tree ${checkpoint.treeSize}, root ${checkpoint.root} (signed, key ${signer.keyId})`);
    if (rows.differences.length === 0) options.out(`rows: ${rows.checked} incident rows match their timelines`);
    for (const difference of rows.differences) problems.push(`row differs from its timeline: ${describeDifference(difference)}`);
    for (const problem of problems) options.err(problem);
    return problems.length === 0 ? EXIT.ok : EXIT.registerProblem;
  } catch (error) {
    options.err(`could not export the bundle: ${describeFailure(error)}`);
    return EXIT.failed;
  } finally {
    await pool.end();
  }
}

/** The export's checkpoint (made now, so it covers the snapshot), its history, proofs and the rows' fold. */
async function proveBundle(
  log: CheckpointLog,
  signer: RegisterSigner,
  population: AuditPopulation<AuditedIncident>,
): Promise<BundleProof> {
  const { checkpoint } = await log.checkpoint('export');
  const entryIds = population.incidents.flatMap((incident) => incident.timeline.map((entry) => entry.id));
  return {
    signer,
    checkpoint,
    history: await log.history(checkpoint.seq),
    inclusion: await log.inclusionProofs(entryIds, checkpoint),
    rows: checkRows(population.incidents.map((incident) => ({ record: recordOnly(incident), timeline: incident.timeline }))),
  };
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
