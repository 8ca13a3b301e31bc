import { createHash, sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { canonicalJson, signedBytes } from '../../../../tools/verify-bundle.mjs';
import { afterEach, describe, expect, test } from '../../../../test/fixtures/services';
import { actAt, FEBRUARY, openAt, runStandaloneVerifier, scratchDirs, TEST_KEY } from '../audit/audit-test-helpers';
import { exportBundleCommand } from '../audit/cli/export-bundle-command';
import { migratedStore } from '../store-test-helpers';
import { EvidenceRetention } from './evidence-retention';
import { evidenceOf, failedSignIn } from './evidence-test-helpers';

const scratch = scratchDirs('vigil-evidence-');
afterEach(() => scratch.clear());

type Manifest = { bundleId: string; signature: string; files: Array<{ name: string; sha256: string; bytes: number; signature: string }> };

/** What someone holding the signing key (but not the chain) could do: rewrite a file and re-sign everything. */
async function rewriteAndResign(dir: string, name: string, change: (text: string) => string): Promise<void> {
  const file = path.join(dir, name);
  const content = Buffer.from(change(await readFile(file, 'utf8')), 'utf8');
  await writeFile(file, content);
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const entry = manifest.files.find((f) => f.name === name);
  if (!entry) throw new Error(`${name} is not in the manifest`);
  entry.sha256 = createHash('sha256').update(content).digest('hex');
  entry.bytes = content.length;
  const signed = { format: 'vigil-bundle-file/1', bundleId: manifest.bundleId, name, sha256: entry.sha256, bytes: entry.bytes };
  entry.signature = sign(null, signedBytes(signed), TEST_KEY.privateKey).toString('base64');
  manifest.signature = sign(null, signedBytes(manifest), TEST_KEY.privateKey).toString('base64');
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

describe('evidence.jsonl in signed bundles', () => {
  test('carries every kept payload and every purge; the verifier checks them against the proven timelines', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    const early = [failedSignIn(1, '2026-02-02T00:00:00.000Z'), failedSignIn(2, '2026-02-02T00:00:30.000Z')];
    const late = [failedSignIn(3, '2026-02-20T00:00:00.000Z'), failedSignIn(4, '2026-02-20T00:00:10.000Z')];
    const purgedIncident = await openAt(store, clock, 'early', '2026-02-02T00:01:00.000Z', evidenceOf(early));
    await actAt(store, clock, purgedIncident, '2026-02-02T01:00:00.000Z', 'resolve');
    await openAt(store, clock, 'late', '2026-02-20T00:01:00.000Z', evidenceOf(late));
    // A short retention, so the first incident's payloads are purged (on record) before the export.
    clock.set('2026-02-10T00:00:00.000Z');
    expect(await new EvidenceRetention({ pool: database.pool, logger: silentLogger, clock, retentionDays: 7 }).purgeDue()).toEqual({
      incidents: 1,
      payloads: 2,
    });

    const dir = path.join(await scratch.make(), 'bundle');
    const code = await exportBundleCommand({
      argv: ['--from', FEBRUARY.from, '--to', FEBRUARY.to, '--out', dir, '--by', 'jane'],
      env: { DATABASE_URL: database.url, REGISTER_SIGNING_KEY: TEST_KEY.privatePem },
      clock: { now: () => Date.parse('2026-03-10T00:00:00.000Z') },
      out: () => undefined,
      err: () => undefined,
    });
    expect(code).toBe(0);
    const lines = (await readFile(path.join(dir, 'evidence.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; eventId: string; event?: VigilEvent; sha256: string; policy?: string });
    expect(lines.map((line) => [line.kind, line.eventId])).toEqual([
      ['purged', 'okta:evt-1'],
      ['purged', 'okta:evt-2'],
      ['kept', 'okta:evt-3'],
      ['kept', 'okta:evt-4'],
    ]);
    expect(lines[2]?.event).toEqual(late[0]);
    expect(lines[0]?.policy).toBe('retention');

    const intact = await runStandaloneVerifier(dir);
    expect(intact.stderr).toBe('');
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain('evidence payloads matching their timelines: 2 kept, 2 purged on record');

    // Even re-signed with the register's key, a payload changed or removed does not match the proven chain.
    const altered = path.join(await scratch.make(), 'bundle');
    await import('node:fs/promises').then(({ cp }) => cp(dir, altered, { recursive: true }));
    await rewriteAndResign(altered, 'evidence.jsonl', (text) =>
      text
        .split('\n')
        .map((line) => {
          if (!line.includes('"okta:evt-3"')) return line;
          const item = JSON.parse(line) as { event: VigilEvent; sha256: string };
          item.event = { ...item.event, raw: { uuid: 'evt-3', eventType: 'nothing to see' } };
          item.sha256 = createHash('sha256').update(canonicalJson(item.event)).digest('hex');
          return JSON.stringify(item);
        })
        .join('\n'),
    );
    const changed = await runStandaloneVerifier(altered);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/^ALTERED evidence\.jsonl: event okta:evt-3 of INC-2 does not match the hash its timeline recorded/m);

    const removed = path.join(await scratch.make(), 'bundle');
    await import('node:fs/promises').then(({ cp }) => cp(dir, removed, { recursive: true }));
    await rewriteAndResign(removed, 'evidence.jsonl', (text) => text.split('\n').filter((line) => !line.includes('"okta:evt-4"')).join('\n'));
    const gap = await runStandaloneVerifier(removed);
    expect(gap.code).toBe(1);
    expect(gap.stderr).toMatch(/^ALTERED evidence\.jsonl: event okta:evt-4 of INC-2 is missing: its timeline kept it and records no purge/m);
  });
});
