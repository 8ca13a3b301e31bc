import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { renderAuditReport } from './audit-report';
import { summarisePopulation } from './audit-summary';
import type { AuditedIncident, AuditPopulation, AuditSample } from './audit-types';
import {
  populationCsv,
  populationDocument,
  queryText,
  recordOnly,
  sampleDocument,
  timelinesDocument,
} from './population-files';
import { drawSample } from './sampling';

export const MANIFEST_FILE = 'manifest.json';
export const BUNDLE_FORMAT = 'vigil-audit-bundle/1';

export interface BundleFile {
  name: string;
  content: Buffer;
}

/** A file name the manifest may list: plain, in the bundle's own directory. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const BundleManifest = z.object({
  format: z.literal(BUNDLE_FORMAT),
  generatedAt: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  population: z.object({ incidents: z.number().int().min(0) }),
  sequence: z.object({ contiguous: z.boolean(), missingCount: z.number().int().min(0) }),
  chain: z.union([
    z.object({ ok: z.literal(true), entries: z.number().int().min(0), head: z.string() }),
    z.object({ ok: z.literal(false), firstBrokenId: z.number().int(), reason: z.string() }),
  ]),
  sample: z
    .object({ seed: z.string(), size: z.number().int().min(0), sizeRule: z.enum(['table', 'requested']) })
    .nullable(),
  files: z
    .array(
      z.object({
        name: z
          .string()
          .regex(FILE_NAME, 'must be a plain file name')
          .refine((name) => name !== MANIFEST_FILE, 'the manifest cannot list itself'),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        bytes: z.number().int().min(0),
      }),
    )
    .min(1),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

export interface EvidenceBundle {
  files: BundleFile[];
  manifest: BundleManifest;
  /** manifest.json as written; its SHA-256 is the bundle's digest, recorded in audit_exports. */
  manifestFile: BundleFile;
  manifestSha256: string;
}

export function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The drawn incidents of a population already read with its timelines: one snapshot for the whole bundle. */
export function sampleFromPopulation(
  population: AuditPopulation<AuditedIncident>,
  seed: string,
  size?: number,
): AuditSample {
  const choice = drawSample(population.incidents, seed, size);
  const drawn = new Set(choice.selected.map((entry) => entry.seq));
  return {
    population: { ...population, incidents: population.incidents.map(recordOnly) },
    choice,
    incidents: population.incidents.filter((incident) => drawn.has(incident.seq)),
  };
}

/** Every file of an evidence bundle, and the manifest over them. Pure: nothing is written. */
export function buildEvidenceBundle(
  population: AuditPopulation<AuditedIncident>,
  sample?: AuditSample,
): EvidenceBundle {
  const records = { ...population, incidents: population.incidents.map(recordOnly) };
  const summary = summarisePopulation(records);
  const queries = queryText(records);
  const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
  const files: BundleFile[] = [
    { name: 'population.csv', content: Buffer.from(populationCsv(records), 'utf8') },
    { name: 'population.json', content: json(populationDocument(records)) },
    { name: 'timelines.json', content: json(timelinesDocument(population)) },
    { name: 'summary.json', content: json(summary) },
    {
      name: 'report.html',
      content: Buffer.from(
        renderAuditReport({
          summary,
          population: records,
          queryText: queries,
          ...(sample ? { sample: sample.choice } : {}),
        }),
        'utf8',
      ),
    },
    { name: 'query.txt', content: Buffer.from(queries, 'utf8') },
  ];
  if (sample) files.push({ name: 'sample.json', content: json(sampleDocument(sample)) });

  const chain = population.chain;
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    generatedAt: population.generatedAt,
    period: population.period,
    population: { incidents: population.counts.incidents },
    sequence: {
      contiguous: population.sequence.contiguous,
      missingCount: population.sequence.missingCount,
    },
    chain: chain.ok
      ? { ok: true, entries: chain.entries, head: chain.head }
      : { ok: false, firstBrokenId: chain.firstBrokenId, reason: chain.reason },
    sample: sample
      ? { seed: sample.choice.seed, size: sample.choice.size, sizeRule: sample.choice.sizeRule }
      : null,
    files: files.map((file) => ({
      name: file.name,
      sha256: sha256(file.content),
      bytes: file.content.length,
    })),
  };
  const manifestFile = { name: MANIFEST_FILE, content: json(manifest) };
  return { files, manifest, manifestFile, manifestSha256: sha256(manifestFile.content) };
}

/** A bundle goes into a new or empty directory, so that no stale file sits beside it. */
export async function assertEmptyDirectory(dir: string): Promise<void> {
  let present: string[];
  try {
    present = await readdir(dir);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return;
    throw error;
  }
  if (present.length > 0) {
    throw new Error(`${dir} is not empty (${present.slice(0, 3).join(', ')}); give a new directory`);
  }
}

/** Writes the bundle into `dir`, which must be new or empty. */
export async function writeEvidenceBundle(dir: string, bundle: EvidenceBundle): Promise<void> {
  await assertEmptyDirectory(dir);
  await mkdir(dir, { recursive: true });
  // The manifest last: a bundle cut short by a crash has no manifest, and so never verifies.
  for (const file of [...bundle.files, bundle.manifestFile]) {
    await writeFile(path.join(dir, file.name), file.content, { flag: 'wx' });
  }
}

export interface BundleCheck {
  ok: boolean;
  manifest: BundleManifest;
  manifestSha256: string;
  /** Files whose bytes are not what the manifest says, each with what is wrong. */
  problems: Array<{ file: string; problem: string }>;
  /** Files in the directory the manifest does not list; reported, not counted against the bundle. */
  unlisted: string[];
}

export class BundleUnreadableError extends Error {
  override readonly name = 'BundleUnreadableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Checks a bundle offline: every file the manifest lists is there with its SHA-256 and size. Throws
 * `BundleUnreadableError` when there is no manifest to check against.
 */
export async function verifyEvidenceBundle(dir: string): Promise<BundleCheck> {
  let manifestBytes: Buffer;
  try {
    manifestBytes = await readFile(path.join(dir, MANIFEST_FILE));
  } catch (error) {
    throw new BundleUnreadableError(
      `cannot read ${path.join(dir, MANIFEST_FILE)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let parsed: z.ZodSafeParseResult<BundleManifest>;
  try {
    parsed = BundleManifest.safeParse(JSON.parse(manifestBytes.toString('utf8')));
  } catch (error) {
    throw new BundleUnreadableError(`${MANIFEST_FILE} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BundleUnreadableError(
      `${MANIFEST_FILE} is not a Vigil bundle manifest: ${issue?.path.map(String).join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  const manifest = parsed.data;

  const problems: BundleCheck['problems'] = [];
  for (const entry of manifest.files) {
    let content: Buffer;
    try {
      content = await readFile(path.join(dir, entry.name));
    } catch {
      problems.push({ file: entry.name, problem: 'missing' });
      continue;
    }
    const digest = sha256(content);
    if (digest !== entry.sha256) {
      problems.push({
        file: entry.name,
        problem:
          `SHA-256 differs: manifest ${entry.sha256}, file ${digest}` +
          (content.length !== entry.bytes ? ` (and ${content.length} bytes, not ${entry.bytes})` : ''),
      });
    } else if (content.length !== entry.bytes) {
      problems.push({ file: entry.name, problem: `${content.length} bytes, manifest says ${entry.bytes}` });
    }
  }
  const listed = new Set([MANIFEST_FILE, ...manifest.files.map((entry) => entry.name)]);
  const unlisted = (await readdir(dir)).filter((name) => !listed.has(name)).sort();
  return { ok: problems.length === 0, manifest, manifestSha256: sha256(manifestBytes), problems, unlisted };
}
