import type { Pool, PoolClient } from 'pg';
import type { Clock } from '@vigil/runtime';
import {
  CHECKPOINT_FORMAT,
  checkpointHash,
  type CheckpointHistory,
  type SignedCheckpoint,
} from '../../../../tools/verify-bundle.mjs';
import { inTransaction } from '../pg-transaction';
import { MerkleTree } from './merkle-tree';
import type { RegisterSigner } from './register-signer';

export type CheckpointReason = 'schedule' | 'export' | 'manual';

/** Any fixed number; the same in every process that makes checkpoints of this register. */
const CHECKPOINT_LOCK_KEY = 0x7669_6370;

interface CheckpointRow {
  seq: string;
  tree_size: string;
  root: string;
  at: Date;
  previous: string | null;
  key_id: string;
  signature: string;
}

export function toSignedCheckpoint(row: CheckpointRow): SignedCheckpoint {
  return {
    format: CHECKPOINT_FORMAT,
    seq: Number(row.seq),
    treeSize: Number(row.tree_size),
    root: row.root,
    at: row.at.toISOString(),
    previous: row.previous,
    keyId: row.key_id,
    signature: row.signature,
  };
}

/** The register no longer holds the history an earlier checkpoint signed: refuse to sign over it. */
export class RegisterRewrittenError extends Error {
  override readonly name = 'RegisterRewrittenError';
}

export interface CheckpointLogOptions {
  pool: Pool;
  clock: Clock;
  /** Needed to make checkpoints; reading them and proving against them needs no key. */
  signer?: RegisterSigner | null;
}

export interface InclusionProof {
  id: number;
  hash: string;
  proof: string[];
}

/** Signed, chained checkpoints of the timeline's Merkle tree, and proofs against them. */
export class CheckpointLog {
  constructor(private readonly options: CheckpointLogOptions) {}

  async latest(): Promise<SignedCheckpoint | null> {
    const { rows } = await this.options.pool.query<CheckpointRow>(
      'SELECT * FROM register_checkpoints ORDER BY seq DESC LIMIT 1',
    );
    return rows[0] ? toSignedCheckpoint(rows[0]) : null;
  }

  /** Checkpoints in order, from `afterSeq` (exclusive) on, at most `limit`. */
  async list(afterSeq = 0, limit = 1000): Promise<SignedCheckpoint[]> {
    const { rows } = await this.options.pool.query<CheckpointRow>(
      'SELECT * FROM register_checkpoints WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    );
    return rows.map(toSignedCheckpoint);
  }

  /**
   * Signs a checkpoint of the whole timeline as it stands. With `onlyIfMoved`, hands back the latest one
   * instead when no entry was added since. Refuses (RegisterRewrittenError) when the entries the latest
   * checkpoint covered no longer give its root: a signature must never bless a rewritten history.
   */
  async checkpoint(
    reason: CheckpointReason,
    { onlyIfMoved = false }: { onlyIfMoved?: boolean } = {},
  ): Promise<{ checkpoint: SignedCheckpoint; created: boolean }> {
    const { signer } = this.options;
    if (!signer) throw new Error('no register signing key is configured (REGISTER_SIGNING_KEY_FILE)');
    return inTransaction(this.options.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [CHECKPOINT_LOCK_KEY]);
      const latestRows = await client.query<CheckpointRow>(
        'SELECT * FROM register_checkpoints ORDER BY seq DESC LIMIT 1',
      );
      const latest = latestRows.rows[0] ? toSignedCheckpoint(latestRows.rows[0]) : null;
      const head = await client.query<{ last_entry_id: string; head_hash: string }>(
        'SELECT last_entry_id, head_hash FROM timeline_chain_head WHERE singleton',
      );
      const size = Number(head.rows[0]?.last_entry_id ?? 0);
      if (onlyIfMoved && latest && latest.treeSize === size) return { checkpoint: latest, created: false };

      const hashes = await entryHashes(client, size);
      if (size > 0 && hashes.at(-1) !== head.rows[0]?.head_hash) {
        throw new RegisterRewrittenError('the chain head hash is not the hash of the last timeline entry');
      }
      const tree = new MerkleTree(hashes);
      if (latest && (latest.treeSize > size || tree.rootAt(latest.treeSize) !== latest.root)) {
        throw new RegisterRewrittenError(
          `timeline entries 1..${latest.treeSize} no longer give the root signed in checkpoint #${latest.seq}`,
        );
      }
      const signed = signer.sign({
        format: CHECKPOINT_FORMAT,
        seq: (latest?.seq ?? 0) + 1,
        treeSize: size,
        root: tree.rootAt(),
        at: new Date(this.options.clock.now()).toISOString(),
        previous: latest ? checkpointHash(latest) : null,
        keyId: signer.keyId,
      } satisfies Omit<SignedCheckpoint, 'signature'>);
      await client.query(
        `INSERT INTO register_checkpoints (seq, tree_size, root, at, previous, key_id, signature, hash, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [signed.seq, signed.treeSize, signed.root, signed.at, signed.previous, signed.keyId, signed.signature,
          checkpointHash(signed), reason],
      );
      return { checkpoint: signed, created: true };
    });
  }

  /**
   * Every checkpoint up to `uptoSeq` with a consistency proof between each and the one before: what a
   * bundle carries so that an auditor holding any earlier checkpoint can see the register only grew.
   */
  async history(uptoSeq: number): Promise<CheckpointHistory> {
    const { rows } = await this.options.pool.query<CheckpointRow>(
      'SELECT * FROM register_checkpoints WHERE seq <= $1 ORDER BY seq',
      [uptoSeq],
    );
    const checkpoints = rows.map(toSignedCheckpoint);
    const tree = await this.tree(checkpoints.at(-1)?.treeSize ?? 0);
    const consistency = checkpoints.slice(1).map((checkpoint, i) => {
      const from = checkpoints[i] as SignedCheckpoint;
      return {
        fromSeq: from.seq,
        toSeq: checkpoint.seq,
        proof: tree.merkle.consistencyProof(Math.min(from.treeSize, checkpoint.treeSize), checkpoint.treeSize),
      };
    });
    return { checkpoints, consistency };
  }

  /**
   * Each checkpoint's root recomputed from the timeline as it reads now: a checkpoint whose root the
   * entries no longer give means the history it signed was rewritten. One line per such checkpoint.
   */
  async checkAgainstTimeline(): Promise<{ checkpoints: number; problems: string[] }> {
    const checkpoints = await this.list(0, Number.MAX_SAFE_INTEGER);
    const size = Math.max(0, ...checkpoints.map((checkpoint) => checkpoint.treeSize));
    let merkle: MerkleTree;
    try {
      merkle = (await this.tree(size)).merkle;
    } catch (error) {
      return { checkpoints: checkpoints.length, problems: [(error as Error).message] };
    }
    const problems = checkpoints
      .filter((checkpoint) => merkle.rootAt(checkpoint.treeSize) !== checkpoint.root)
      .map((checkpoint) => `checkpoint #${checkpoint.seq} (tree ${checkpoint.treeSize}, ${checkpoint.at}): the timeline no longer gives its root`);
    return { checkpoints: checkpoints.length, problems };
  }

  /** Inclusion proofs of timeline entries (by id) in the tree of a checkpoint. */
  async inclusionProofs(entryIds: readonly number[], checkpoint: SignedCheckpoint): Promise<InclusionProof[]> {
    const { merkle, hashes } = await this.tree(checkpoint.treeSize);
    return entryIds
      .filter((id) => id >= 1 && id <= checkpoint.treeSize)
      .map((id) => ({ id, hash: hashes[id - 1] as string, proof: merkle.inclusionProof(id - 1) }));
  }

  /** A consistency proof between two tree sizes of the register, for `GET /v1/register/consistency`. */
  async consistencyProof(from: number, to: number): Promise<string[]> {
    const { merkle } = await this.tree(to);
    return merkle.consistencyProof(from, to);
  }

  private async tree(size: number): Promise<{ merkle: MerkleTree; hashes: string[] }> {
    const client = await this.options.pool.connect();
    try {
      const hashes = await entryHashes(client, size);
      return { merkle: new MerkleTree(hashes), hashes };
    } finally {
      client.release();
    }
  }
}

/** The hashes of timeline entries 1..size, in order; the ids are gap-free, so anything else is a cut chain. */
async function entryHashes(client: PoolClient, size: number): Promise<string[]> {
  const { rows } = await client.query<{ hash: string }>(
    'SELECT hash FROM incident_timeline WHERE id <= $1 ORDER BY id',
    [size],
  );
  if (rows.length !== size) {
    throw new RegisterRewrittenError(`the timeline holds ${rows.length} of entries 1..${size}`);
  }
  return rows.map((row) => row.hash);
}
