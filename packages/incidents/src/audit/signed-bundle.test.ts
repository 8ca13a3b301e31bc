import { generateKeyPairSync } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { silentLogger } from '@vigil/telemetry';
import {
  leafHash,
  signedBytes,
  verifyInclusion,
  type SignedCheckpoint,
} from '../../../../tools/verify-bundle.mjs';
import { afterEach, describe, expect, test } from '../../../../test/fixtures/services';
import { CheckpointLog } from '../proof/checkpoint-log';
import { registerSigner } from '../proof/register-signer';
import { fileWitness, publishPendingCheckpoints, WITNESS_FILE } from '../proof/witness';
import { migratedStore } from '../store-test-helpers';
import { actAt, FEBRUARY, runStandaloneVerifier, scratchDirs, seedKnownMonth, TEST_KEY } from './audit-test-helpers';
import { exportBundleCommand } from './cli/export-bundle-command';
import { sha256 } from './evidence-bundle';


const scratch = scratchDirs('vigil-signed-');
afterEach(() => scratch.clear());
const newDir = () => scratch.make();

async function exportBundle(url: string, dir: string): Promise<number> {
  return exportBundleCommand({
    argv: ['--from', FEBRUARY.from, '--to', FEBRUARY.to, '--out', dir, '--by', 'jane', '--sample-seed', 'Q1'],
    env: { DATABASE_URL: url, REGISTER_SIGNING_KEY: TEST_KEY.privatePem },
    clock: { now: () => Date.parse('2026-03-10T00:00:00.000Z') },
    out: () => undefined,
    err: () => undefined,
  });
}

const standalone = runStandaloneVerifier;

type Manifest = {
  population: { incidents: number };
  files: Array<{ name: string; sha256: string; bytes: number; signature: string }>;
  checkpoint: SignedCheckpoint;
};

describe('signed bundles and the stand-alone verifier', () => {
  test('accepts a true bundle and refuses each alteration, naming the file', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    await seedKnownMonth(store, clock);
    const original = path.join(await newDir(), 'bundle');
    expect(await exportBundle(database.url, original)).toBe(0);

    const intact = await standalone(original);
    expect(intact.stderr).toBe('');
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/^bundle ok: signature valid, 10 files match manifest\.json\n/);
    expect(intact.stdout).toContain('timeline entries proven in the checkpoint: 11');
    // What it checked, and what it could not: the key's provenance, the export log, earlier checkpoints.
    const manifestSha = /^manifest sha256: ([0-9a-f]{64})$/m.exec(intact.stdout)?.[1];
    expect(manifestSha).toBe(sha256(await readFile(path.join(original, 'manifest.json'))));
    const [checked, notChecked] = intact.stdout.split('NOT checked (do these yourself):\n');
    expect(checked).toMatch(/^checked:\n {2}- manifest\.json and each of its file entries are signed by the key in .+ \(key id [0-9a-f]{64}\)$/m);
    expect(checked).toContain('  - 11 timeline entries hash correctly and are proven included in checkpoint #');
    expect(notChecked).toMatch(/that .+ is the register's published key: compare key id [0-9a-f]{64} with the key id the operator published/);
    expect(notChecked).toContain(
      `the export log (GET /v1/audit/exports) must have a "bundle" row whose contentSha256 is ${manifestSha}`,
    );
    expect(notChecked).toContain("checkpoints you kept earlier: none were given (--kept FILE)");

    const variant = async (alter: (dir: string, manifest: Manifest) => Promise<Manifest | void>) => {
      const dir = path.join(await newDir(), 'bundle');
      await cp(original, dir, { recursive: true });
      const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
      const changed = await alter(dir, manifest);
      if (changed) await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(changed, null, 2));
      return standalone(dir);
    };
    const csvEdit = async (dir: string) => {
      const file = path.join(dir, 'population.csv');
      const text = (await readFile(file, 'utf8')).replace('2026-02-02T00:11', '2026-02-02T00:12');
      await writeFile(file, text);
      return Buffer.from(text);
    };

    // A file alone.
    const fileOnly = await variant(async (dir) => void (await csvEdit(dir)));
    expect(fileOnly.code).toBe(1);
    expect(fileOnly.stderr).toMatch(/^ALTERED population\.csv: SHA-256 differs/m);
    expect(fileOnly.stderr).toMatch(/bundle NOT intact: population\.csv\n$/);

    // A file and its hash and size in the manifest: the entry's own signature names the file.
    const both = await variant(async (dir, manifest) => {
      const content = await csvEdit(dir);
      const entry = manifest.files.find((file) => file.name === 'population.csv');
      if (entry) Object.assign(entry, { sha256: sha256(content), bytes: content.length });
      return manifest;
    });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('ALTERED manifest.json: signature does not verify: the manifest was altered');
    expect(both.stderr).toContain('ALTERED population.csv: its manifest entry was altered');
    expect(both.stderr).toMatch(/bundle NOT intact: manifest\.json, population\.csv\n$/);

    // The manifest alone.
    const manifestOnly = await variant(async (_dir, manifest) => ({ ...manifest, population: { incidents: 3 } }));
    expect(manifestOnly.code).toBe(1);
    expect(manifestOnly.stderr).toMatch(/bundle NOT intact: manifest\.json\n$/);

    // Re-signed with another key: refused, the key named.
    const forged = await variant(async (_dir, manifest) => {
      const other = registerSigner(generateKeyPairSync('ed25519').privateKey);
      const rest: Partial<Manifest> & { signature?: string } = { ...manifest };
      delete rest.signature;
      return other.sign({ ...rest, keyId: other.keyId }) as unknown as Manifest;
    });
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/ALTERED manifest\.json: signed with key [0-9a-f]{64}, not the given key/);
  });

  test("a sampled incident's entries are proven in the signed checkpoint, which the witness keeps", async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    const [inc1] = await seedKnownMonth(store, clock);
    const signer = registerSigner(TEST_KEY.privateKey);
    const log = new CheckpointLog({ pool: database.pool, clock, signer });
    const witnessDir = await newDir();
    const witness = fileWitness(witnessDir);
    // An earlier checkpoint, published to the witness, which the auditor kept.
    await log.checkpoint('schedule');
    await actAt(store, clock, inc1 ?? '', '2026-03-10T00:00:00.000Z', 'close');
    await publishPendingCheckpoints({ pool: database.pool, witnesses: [witness], clock, logger: silentLogger });
    const keptFile = path.join(witnessDir, WITNESS_FILE);

    const dir = path.join(await newDir(), 'bundle');
    expect(await exportBundle(database.url, dir)).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.checkpoint).toMatchObject({ seq: 2, treeSize: 12 });

    // By hand, as the docs show: every entry of the sampled INC-1 against the checkpoint's root.
    const proofs = JSON.parse(await readFile(path.join(dir, 'proofs.json'), 'utf8')) as {
      entries: Array<{ id: number; hash: string; proof: string[] }>;
    };
    const sample = JSON.parse(await readFile(path.join(dir, 'sample.json'), 'utf8')) as {
      incidents: Array<{ seq: number; timeline: Array<{ id: number; hash: string }> }>;
    };
    const sampled = sample.incidents.find((incident) => incident.seq === 1);
    expect(sampled?.timeline).toHaveLength(5);
    for (const entry of sampled?.timeline ?? []) {
      const proof = proofs.entries.find((candidate) => candidate.id === entry.id);
      const { treeSize, root } = manifest.checkpoint;
      expect(verifyInclusion(leafHash(entry.hash), entry.id - 1, treeSize, proof?.proof ?? [], root)).toBe(true);
    }

    const withKept = await standalone(dir, '--kept', keptFile);
    expect(withKept.stderr).toBe('');
    expect(withKept.stdout).toContain('kept checkpoint #1: consistent with this bundle');
    expect(withKept.stdout).not.toContain('none were given');
    expect(await readFile(keptFile, 'utf8')).toBe(`${JSON.stringify((await log.list())[0])}\n`);

    // A "kept" checkpoint that is not the register's: same number, another root.
    const kept = JSON.parse((await readFile(keptFile, 'utf8')).trim()) as SignedCheckpoint;
    const other = registerSigner(TEST_KEY.privateKey).sign({ ...kept, signature: undefined, root: '0'.repeat(64) });
    const fake = path.join(await newDir(), 'fake.jsonl');
    await writeFile(fake, `${JSON.stringify(other)}\n`);
    const rewritten = await standalone(dir, '--kept', fake);
    expect(rewritten.code).toBe(1);
    expect(rewritten.stderr).toContain(
      "ALTERED checkpoints.json: kept checkpoint #1 (tree 11) differs from #1 in the bundle: the register's history was rewritten",
    );
    // The signature input is the canonical JSON of the checkpoint without its signature.
    expect(signedBytes(kept).toString('utf8')).toMatch(/^\{"at":"[^"]+","format":"vigil-checkpoint\/1","keyId":/);
  });

  test('an entry altered in timelines.json is named by its own hash, not only by the file hash', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    await seedKnownMonth(store, clock);
    const dir = path.join(await newDir(), 'bundle');
    expect(await exportBundle(database.url, dir)).toBe(0);
    const file = path.join(dir, 'timelines.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"actor": "api:alice"', '"actor": "api:mallory"'));
    const result = await standalone(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ALTERED timelines.json: SHA-256 differs');
    expect(result.stderr).toMatch(/ALTERED timelines\.json: entry \d+ of INC-1 does not match its hash: it was altered/);
  });
});
