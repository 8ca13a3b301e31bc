import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from '../../../../test/fixtures/services';
import { migratedStore } from '../store-test-helpers';
import { FEBRUARY, openAt, seedKnownMonth, TEST_KEY } from './audit-test-helpers';
import { exportBundleCommand } from './cli/export-bundle-command';
import { verifyBundleCommand } from './cli/verify-bundle-command';
import { sha256 } from './evidence-bundle';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;

const scratch: string[] = [];
afterEach(async () => {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function newDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bundle-'));
  scratch.push(dir);
  return path.join(dir, 'bundle');
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) } };
}

async function exportFebruary(url: string, dir: string, extra: string[] = []) {
  const { out, err, io } = capture();
  const clock = { now: () => Date.parse('2026-03-10T00:00:00.000Z') };
  const code = await exportBundleCommand({
    argv: ['--from', FEBRUARY.from, '--to', FEBRUARY.to, '--out', dir, '--by', 'jane', ...extra],
    env: { DATABASE_URL: url, REGISTER_SIGNING_KEY: TEST_KEY.privatePem },
    clock,
    ...io,
  });
  return { code, out, err };
}

async function verify(dir: string) {
  const { out, err, io } = capture();
  const code = await verifyBundleCommand({ argv: [dir, '--public-key', await TEST_KEY.publicKeyFile()], ...io });
  return { code, out, err };
}

describe('evidence bundle', () => {
  test('writes every file with a manifest of digests, and records the export', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    await seedKnownMonth(store, clock);
    const dir = await newDir();

    const result = await exportFebruary(database.url, dir);
    expect(result.err).toEqual([]);
    expect(result.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([
      'checkpoints.json',
      'evidence.jsonl',
      'manifest.json',
      'population.csv',
      'population.json',
      'proofs.json',
      'query.txt',
      'report.html',
      'summary.json',
      'timelines.json',
    ]);

    const manifestBytes = await readFile(path.join(dir, 'manifest.json'));
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as {
      period: unknown;
      chain: { ok: boolean; head: string; entries: number };
      population: { incidents: number };
      files: Array<{ name: string; sha256: string; bytes: number }>;
    };
    const head = await database.pool.query<{ head_hash: string }>(
      'SELECT head_hash FROM timeline_chain_head',
    );
    expect(manifest.period).toEqual(FEBRUARY);
    expect(manifest.population).toEqual({ incidents: 4 });
    expect(manifest.chain).toEqual({ ok: true, entries: 11, head: head.rows[0]?.head_hash });
    for (const file of manifest.files) {
      const content = await readFile(path.join(dir, file.name));
      expect(file).toMatchObject({ name: file.name, sha256: sha256(content), bytes: content.length });
    }
    expect(result.out).toEqual([
      `wrote 10 files to ${dir}`,
      `population: 4 incidents in [${FEBRUARY.from}, ${FEBRUARY.to})`,
      expect.stringMatching(new RegExp(`^manifest sha256: ${sha256(manifestBytes)} \\(audit export #1\\)$`)),
      'numbering: contiguous, 1..4',
      `chain: intact, 11 entries, head ${head.rows[0]?.head_hash}`,
      expect.stringMatching(/^checkpoint #1: tree 11, root [0-9a-f]{64} \(signed, key [0-9a-f]{64}\)$/),
      'rows: 4 incident rows match their timelines',
    ]);

    // The files agree with each other: 4 rows, 4 incidents with their whole timelines.
    const csv = await readFile(path.join(dir, 'population.csv'), 'utf8');
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(5);
    const timelines = JSON.parse(await readFile(path.join(dir, 'timelines.json'), 'utf8')) as {
      incidents: Array<{ ref: string; timeline: Array<{ kind: string }> }>;
    };
    expect(timelines.incidents.map((i) => [i.ref, i.timeline.map((entry) => entry.kind)])).toEqual([
      ['INC-1', ['detected', 'acknowledged', 'contained', 'resolved']],
      ['INC-2', ['detected', 'acknowledged', 'resolved', 'details-updated']],
      ['INC-3', ['detected', 'dismissed']],
      ['INC-4', ['detected']],
    ]);
    const query = await readFile(path.join(dir, 'query.txt'), 'utf8');
    expect(query).toContain('COALESCE(resolved_at, dismissed_at) IS NULL');
    expect(query).toContain(`$1 (from) = ${FEBRUARY.from}`);
    expect(query).toContain('Numbering:     4 incidents in the register, numbers 1..4 issued; contiguous');
    const summary = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')) as {
      withinTarget: { acknowledge: { share: number } };
    };
    expect(summary.withinTarget.acknowledge.share).toBe(0.5);

    const { rows } = await database.pool.query(
      'SELECT principal, role, kind, format, period_from, row_count, parameters, content_sha256 FROM audit_exports',
    );
    expect(rows).toEqual([
      {
        principal: 'cli:jane',
        role: null,
        kind: 'bundle',
        format: 'bundle',
        period_from: new Date(FEBRUARY.from),
        row_count: 4,
        parameters: { files: manifest.files.map((file) => file.name) },
        content_sha256: sha256(manifestBytes),
      },
    ]);
  });

  test('verify-bundle passes an intact bundle and names a file with one byte altered', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    await seedKnownMonth(store, clock);
    const dir = await newDir();
    expect((await exportFebruary(database.url, dir)).code).toBe(0);

    const intact = await verify(dir);
    expect(intact.code).toBe(0);
    expect(intact.out[0]).toBe('bundle ok: signature valid, 9 files match manifest.json');
    expect(intact.err).toEqual([]);

    // One byte: an ack time moved by a minute in the CSV.
    const file = path.join(dir, 'population.csv');
    const bytes = await readFile(file);
    const at = bytes.indexOf('2026-02-02T00:11');
    bytes[at + 15] = '2'.charCodeAt(0);
    await writeFile(file, bytes);
    const altered = await verify(dir);
    expect(altered.code).toBe(1);
    expect(altered.err[0]).toMatch(
      /^ALTERED population\.csv: SHA-256 differs: manifest [0-9a-f]{64}, file [0-9a-f]{64}$/,
    );
    expect(altered.err.at(-1)).toBe('bundle NOT intact: population.csv');
    expect(altered.out).toEqual([]);

    await rm(path.join(dir, 'report.html'));
    expect((await verify(dir)).err).toContain('MISSING report.html: missing');
    await writeFile(path.join(dir, 'manifest.json'), '{"format":"something else"}');
    const unreadable = await verify(dir);
    expect(unreadable.code).toBe(2);
    expect(unreadable.err[0]).toMatch(/manifest\.json is not a vigil-audit-bundle\/2 manifest/);
  });

  test('a sample: drawn by the table from the seed, reproducible, with full evidence', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    for (let day = 1; day <= 8; day++) await openAt(store, clock, `d${day}`, `2026-02-0${day}T00:00:00.000Z`);
    const first = await newDir();
    const second = await newDir();
    expect((await exportFebruary(database.url, first, ['--sample-seed', 'FY26-Feb'])).code).toBe(0);
    expect((await exportFebruary(database.url, second, ['--sample-seed', 'FY26-Feb'])).code).toBe(0);

    type Sample = {
      size: number;
      sizeRule: string;
      populationCount: number;
      selected: Array<{ ref: string; seq: number; hash: string }>;
      incidents: Array<{ seq: number; timeline: unknown[]; evidence: unknown[] }>;
    };
    const read = async (dir: string) =>
      JSON.parse(await readFile(path.join(dir, 'sample.json'), 'utf8')) as Sample;
    const sample = await read(first);
    expect(sample).toMatchObject({ size: 5, sizeRule: 'table', populationCount: 8 });
    expect((await read(second)).selected).toEqual(sample.selected);
    expect(sample.incidents.map((incident) => incident.seq)).toEqual(
      sample.selected.map((entry) => entry.seq),
    );
    for (const incident of sample.incidents) {
      expect(incident.timeline).toHaveLength(1);
      expect(incident.evidence).toHaveLength(1);
    }
    for (const entry of sample.selected) expect(entry.hash).toBe(sha256(`FY26-Feb:${entry.seq}`));

    const sized = await newDir();
    await exportFebruary(database.url, sized, ['--sample-seed', 'FY26-Feb', '--sample-size', '2']);
    expect((await read(sized)).selected).toHaveLength(2);
  });

  test('refuses bad arguments and a directory that is not empty, writing nothing', async ({ database }) => {
    await migratedStore(database.pool);
    const dir = await newDir();
    const backwards = await exportBundleCommand({
      argv: ['--from', FEBRUARY.to, '--to', FEBRUARY.from, '--out', dir],
      env: { DATABASE_URL: database.url },
      ...capture().io,
    });
    expect(backwards).toBe(2);
    const sizeWithoutSeed = await exportFebruary(database.url, dir, ['--sample-size', '3']);
    expect(sizeWithoutSeed).toMatchObject({
      code: 2,
      err: ['--sample-size needs --sample-seed', expect.any(String)],
    });

    await exportFebruary(database.url, dir);
    const again = await exportFebruary(database.url, dir);
    expect(again.code).toBe(2);
    expect(again.err[0]).toMatch(/is not empty/);
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM audit_exports');
    expect(rows[0]).toEqual({ n: 1 });
  });

  test('the report is one self-contained HTML page that prints in sections', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    await seedKnownMonth(store, clock);
    await openAt(store, clock, 'xss', '2026-02-25T00:00:00.000Z', { title: '<script>alert(1)</script>' });
    clock.set('2026-03-10T00:00:00.000Z');
    const dir = await newDir();
    await exportFebruary(database.url, dir);
    const html = await readFile(path.join(dir, 'report.html'), 'utf8');
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
      chain: { head: string };
    };
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('@media print');
    expect(html).toContain('break-before: page');
    expect(html).toContain(manifest.chain.head);
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(6);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script|src=|href="http/i);
    expect(html).toContain('test account');
  });

  test('both commands run as scripts', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    await seedKnownMonth(store, clock);
    const dir = await newDir();
    const env = { ...process.env, DATABASE_URL: database.url, REGISTER_SIGNING_KEY: TEST_KEY.privatePem };
    const run = promisify(execFile);
    const keyFile = await TEST_KEY.publicKeyFile();
    const exported = await run(
      TSX,
      [
        'packages/incidents/src/audit/cli/export-bundle.ts',
        '--from',
        FEBRUARY.from,
        '--to',
        FEBRUARY.to,
        '--out',
        dir,
      ],
      { cwd: ROOT, env },
    );
    expect(exported.stdout).toMatch(/^wrote 10 files to /);
    const verified = await run(TSX, ['packages/incidents/src/audit/cli/verify-bundle.ts', dir, '--public-key', keyFile], {
      cwd: ROOT,
    });
    expect(verified.stdout).toMatch(/^bundle ok: signature valid, 9 files match manifest\.json\n/);
    await writeFile(path.join(dir, 'summary.json'), ' ', { flag: 'a' });
    const broken = await run(TSX, ['packages/incidents/src/audit/cli/verify-bundle.ts', dir, '--public-key', keyFile], {
      cwd: ROOT,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(broken).toMatchObject({ code: 1, stderr: expect.stringContaining('ALTERED summary.json') });
  });
});
