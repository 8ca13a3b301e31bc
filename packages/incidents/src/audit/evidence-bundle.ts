import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cuecReportCsv, cuecReportText, type CuecReport } from '../vendors/cuec-report';
import {
  BUNDLE_FORMAT,
  FILE_ENTRY_FORMAT,
  type CheckpointHistory,
  type SignedCheckpoint,
} from '../../../../tools/verify-bundle.mjs';
import { evidenceJsonLines } from '../evidence/evidence-payloads';
import type { InclusionProof } from '../proof/checkpoint-log';
import type { RegisterSigner } from '../proof/register-signer';
import type { RowCheck } from '../proof/row-fold';
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
export { BUNDLE_FORMAT };

export interface BundleFile {
  name: string;
  content: Buffer;
}

/** manifest.json: what the bundle holds, signed as a whole and entry by entry (docs/audit.md gives the format). */
export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  /** Binds each file entry's signature to this bundle, so an entry cannot be carried into another. */
  bundleId: string;
  generatedAt: string;
  period: { from: string; to: string };
  population: { incidents: number };
  sequence: { contiguous: boolean; missingCount: number };
  chain: { ok: true; entries: number; head: string } | { ok: false; firstBrokenId: number; reason: string };
  /** Incident rows checked against the fold of their timelines, and every difference found. */
  rows: RowCheck;
  sample: { seed: string; size: number; sizeRule: 'table' | 'requested' } | null;
  /** The signed checkpoint made with this export; proofs.json proves every timeline entry against it. */
  checkpoint: SignedCheckpoint;
  files: Array<{ name: string; sha256: string; bytes: number; signature: string }>;
  keyId: string;
  signature: string;
}

/** What the register proves a bundle with: made by the export in its own snapshot's wake. */
export interface BundleProof {
  signer: RegisterSigner;
  checkpoint: SignedCheckpoint;
  history: CheckpointHistory;
  inclusion: InclusionProof[];
  rows: RowCheck;
}

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
  proof: BundleProof,
  sample?: AuditSample,
  /** The CUEC report of the same period, when a vendors file is configured. */
  cuec?: CuecReport,
): EvidenceBundle {
  const records = { ...population, incidents: population.incidents.map(recordOnly) };
  const summary = summarisePopulation(records);
  const queries = queryText(records);
  const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
  const files: BundleFile[] = [
    { name: 'population.csv', content: Buffer.from(populationCsv(records), 'utf8') },
    { name: 'population.json', content: json(populationDocument(records)) },
    { name: 'timelines.json', content: json(timelinesDocument(population)) },
    { name: 'evidence.jsonl', content: Buffer.from(evidenceJsonLines(population.incidents), 'utf8') },
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
  if (cuec) {
    files.push(
      { name: 'cuec-report.json', content: json(cuec) },
      { name: 'cuec-report.csv', content: Buffer.from(cuecReportCsv(cuec), 'utf8') },
      { name: 'cuec-report.txt', content: Buffer.from(cuecReportText(cuec), 'utf8') },
    );
  }
  files.push(
    { name: 'checkpoints.json', content: json(proof.history) },
    {
      name: 'proofs.json',
      content: json({
        format: 'vigil-inclusion-proofs/1',
        checkpointSeq: proof.checkpoint.seq,
        treeSize: proof.checkpoint.treeSize,
        root: proof.checkpoint.root,
        entries: proof.inclusion,
      }),
    },
  );
  const { signer } = proof;
  const bundleId = randomUUID();

  const chain = population.chain;
  const manifest = signer.sign({
    format: BUNDLE_FORMAT,
    bundleId,
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
    rows: proof.rows,
    sample: sample
      ? { seed: sample.choice.seed, size: sample.choice.size, sizeRule: sample.choice.sizeRule }
      : null,
    checkpoint: proof.checkpoint,
    files: files.map((file) => {
      const entry = { name: file.name, sha256: sha256(file.content), bytes: file.content.length };
      const { signature } = signer.sign({ format: FILE_ENTRY_FORMAT, bundleId, ...entry });
      return { ...entry, signature };
    }),
    keyId: signer.keyId,
  } satisfies Omit<BundleManifest, 'signature'>);
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
