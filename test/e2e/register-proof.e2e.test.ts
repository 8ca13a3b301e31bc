// The register proving itself, end to end: signed checkpoints published to a file and to Slack (the
// stand-in), a signed bundle the stand-alone verifier accepts and whose alterations it names, a row
// changed by a superuser named by verify-chain, and a sampled incident's entries proven over the API.
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildApiServer, hashToken } from '@vigil/api';
import {
  CheckpointLog,
  CheckpointScheduler,
  exportBundleCommand,
  fileWitness,
  registerSigner,
  verifyChainCommand,
  WITNESS_FILE,
  type SignedCheckpoint,
} from '@vigil/incidents';
import { slackCheckpointWitness } from '@vigil/notify';
import { silentLogger } from '@vigil/telemetry';
import { leafHash, verifyConsistency, verifyInclusion } from '../../tools/verify-bundle.mjs';
import { actAt, asSuperuser, FEBRUARY, runStandaloneVerifier, scratchDirs, seedKnownMonth, TEST_KEY } from '../../packages/incidents/src/audit/audit-test-helpers';
import { migratedStore } from '../../packages/incidents/src/store-test-helpers';
import { afterEach, describe, expect, test } from '../fixtures/services';
import { startSlackStandin } from '../fixtures/slack-standin';

const AUDITOR_TOKEN = 'auditor-register-proof-e2e';
const SLACK_TOKEN = 'xoxb-register-proof';

const scratch = scratchDirs('vigil-proof-e2e-');
afterEach(() => scratch.clear());
const newDir = () => scratch.make();

const standalone = runStandaloneVerifier;

describe('a register that proves itself', () => {
  test('checkpoints witnessed, bundle verified stand-alone, tampering named, inclusion proven', async ({ database }) => {
    const slack = await startSlackStandin({ token: SLACK_TOKEN });
    try {
      const { store, clock } = await migratedStore(database.pool);
      const [inc1] = await seedKnownMonth(store, clock);
      const log = new CheckpointLog({ pool: database.pool, clock, signer: registerSigner(TEST_KEY.privateKey) });
      const witnessDir = await newDir();
      const scheduler = new CheckpointScheduler({
        log,
        pool: database.pool,
        clock,
        logger: silentLogger,
        witnesses: [
          fileWitness(witnessDir),
          slackCheckpointWitness({ channel: '#vigil-register', token: SLACK_TOKEN, apiUrl: slack.url, logger: silentLogger }),
        ],
      });

      // The hourly round: a checkpoint, to both witnesses; again with nothing new: none; after an action: one.
      await scheduler.checkpointNow();
      await scheduler.checkpointNow();
      await actAt(store, clock, inc1 ?? '', '2026-03-10T00:00:00.000Z', 'close');
      await scheduler.checkpointNow();
      const posts = slack.callsTo('chat.postMessage');
      expect(posts.map((call) => call.args.channel)).toEqual(['#vigil-register', '#vigil-register']);
      expect(posts[0]?.args.text).toMatch(/^Vigil register checkpoint #1: 11 timeline entries, root [0-9a-f]{64}/);
      const fromSlack = (posts as Array<{ args: { text?: unknown } }>).map(
        (call) => JSON.parse(String(call.args.text).split('\n')[2] ?? '') as SignedCheckpoint,
      );
      expect(fromSlack.map((checkpoint) => [checkpoint.seq, checkpoint.treeSize])).toEqual([[1, 11], [2, 12]]);
      expect(fromSlack).toEqual(await log.list());
      const witnessed = (await readFile(path.join(witnessDir, WITNESS_FILE), 'utf8')).trim().split('\n');
      expect(witnessed.map((line) => JSON.parse(line) as SignedCheckpoint)).toEqual(fromSlack);

      // A signed bundle; the auditor keeps what Slack showed and checks the bundle against it.
      const bundle = path.join(await newDir(), 'bundle');
      const exported = await exportBundleCommand({
        argv: ['--from', FEBRUARY.from, '--to', FEBRUARY.to, '--out', bundle, '--sample-seed', 'e2e'],
        env: { DATABASE_URL: database.url, REGISTER_SIGNING_KEY: TEST_KEY.privatePem },
        clock,
        out: () => undefined,
        err: () => undefined,
      });
      expect(exported).toBe(0);
      const kept = path.join(await newDir(), 'kept.json');
      await writeFile(kept, JSON.stringify(fromSlack));
      const verified = await standalone(bundle, '--kept', kept);
      expect(verified.stderr).toBe('');
      expect(verified.stdout).toContain('kept checkpoint #2: consistent with this bundle');

      for (const [alteration, named] of [
        [async (dir: string) => writeFile(path.join(dir, 'summary.json'), '{}\n'), 'summary.json'],
        [async (dir: string) => {
          const file = path.join(dir, 'manifest.json');
          await writeFile(file, (await readFile(file, 'utf8')).replace('"incidents": 4', '"incidents": 5'));
        }, 'manifest.json'],
      ] as const) {
        const copy = path.join(await newDir(), 'bundle');
        await cp(bundle, copy, { recursive: true });
        await alteration(copy);
        const refused = await standalone(copy);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`ALTERED ${named}`);
      }

      // A superuser changes a row behind the register: verify-chain names the incident and the column.
      await asSuperuser(database.pool, `UPDATE incidents SET acknowledged_by = 'api:mallory' WHERE seq = 1`);
      const lines: string[] = [];
      const code = await verifyChainCommand({ env: { DATABASE_URL: database.url }, out: () => undefined, err: (line) => lines.push(line) });
      expect(code).toBe(1);
      expect(lines).toEqual(['ROW DIFFERS INC-1 acknowledgedBy: row has "api:mallory", its timeline gives "api:alice"']);

      // Over the API: the public key, and a sampled incident's entries proven against the signed checkpoint.
      const app = buildApiServer({
        store,
        logger: silentLogger,
        tokens: [{ name: 'auditor-user', role: 'auditor', sha256: hashToken(AUDITOR_TOKEN) }],
        proofs: { log, publicKeyPem: TEST_KEY.publicPem },
      });
      try {
        const key = await app.inject({ method: 'GET', url: '/v1/register/public-key' });
        expect(key.body).toBe(TEST_KEY.publicPem);
        const auth = { authorization: `Bearer ${AUDITOR_TOKEN}` };
        const proof = await app.inject({ method: 'GET', url: `/v1/audit/incidents/${inc1}/proof`, headers: auth });
        const body = proof.json<{ checkpoint: SignedCheckpoint; entries: Array<{ id: number; hash: string; proof: string[] }> }>();
        expect(body.entries).toHaveLength(5);
        for (const entry of body.entries) {
          const { treeSize, root } = body.checkpoint;
          expect(verifyInclusion(leafHash(entry.hash), entry.id - 1, treeSize, entry.proof, root)).toBe(true);
        }
        const [first, second] = fromSlack as [SignedCheckpoint, SignedCheckpoint];
        const consistency = await app.inject({
          method: 'GET',
          url: `/v1/register/consistency?from=${first.treeSize}&to=${second.treeSize}`,
          headers: auth,
        });
        const { proof: path6962 } = consistency.json<{ proof: string[] }>();
        expect(verifyConsistency(first.treeSize, second.treeSize, path6962, first.root, second.root)).toBe(true);
      } finally {
        await app.close();
      }
    } finally {
      await slack.stop();
    }
  });
});
