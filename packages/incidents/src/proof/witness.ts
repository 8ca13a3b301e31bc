import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from 'pg';
import type { Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import type { SignedCheckpoint } from '../../../../tools/verify-bundle.mjs';
import { toSignedCheckpoint } from './checkpoint-log';

/**
 * Somewhere a checkpoint is published that the database's administrator cannot rewrite. Publishing is
 * at-least-once: a witness may see a checkpoint twice (same bytes, same hash) after a crash, never not at all.
 * An object-lock bucket, a transparency log or an email archive fits behind this interface too.
 */
export interface Witness {
  /** Stable: it keys the publication record (`register_checkpoint_witnesses.witness`). */
  readonly name: string;
  /** Throws when the checkpoint is not published; it is tried again on the next round. */
  publish(checkpoint: SignedCheckpoint): Promise<Record<string, unknown>>;
}

export const WITNESS_FILE = 'checkpoints.jsonl';

/**
 * Appends each checkpoint as one JSON line to `<dir>/checkpoints.jsonl` (opened for append only; ship the
 * directory to write-once storage, or give the process no right but appending, e.g. `chattr +a`). The
 * file is what an auditor passes to the verifier as `--kept`.
 */
export function fileWitness(dir: string): Witness {
  const file = path.join(dir, WITNESS_FILE);
  return {
    name: `file:${path.resolve(file)}`,
    async publish(checkpoint) {
      await mkdir(dir, { recursive: true });
      await appendFile(file, `${JSON.stringify(checkpoint)}\n`, { flag: 'a' });
      return { file };
    },
  };
}

export interface PublishOptions {
  pool: Pool;
  witnesses: readonly Witness[];
  clock: Clock;
  logger: Logger;
}

/**
 * Publishes every checkpoint a witness has not yet taken, oldest first, and records each publication.
 * A witness that fails stops at that checkpoint, so its copies never skip one; the others go on.
 */
export async function publishPendingCheckpoints(options: PublishOptions): Promise<number> {
  let published = 0;
  for (const witness of options.witnesses) {
    const { rows } = await options.pool.query<Parameters<typeof toSignedCheckpoint>[0]>(
      `SELECT c.* FROM register_checkpoints c
       WHERE NOT EXISTS (SELECT 1 FROM register_checkpoint_witnesses w WHERE w.checkpoint_seq = c.seq AND w.witness = $1)
       ORDER BY c.seq`,
      [witness.name],
    );
    for (const row of rows) {
      const checkpoint = toSignedCheckpoint(row);
      try {
        const receipt = await witness.publish(checkpoint);
        await options.pool.query(
          `INSERT INTO register_checkpoint_witnesses (checkpoint_seq, witness, published_at, receipt)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [checkpoint.seq, witness.name, new Date(options.clock.now()), JSON.stringify(receipt)],
        );
        published += 1;
      } catch (error) {
        options.logger.warn(
          { err: error, witness: witness.name, checkpoint: checkpoint.seq },
          'checkpoint not published; trying again next round',
        );
        break;
      }
    }
  }
  return published;
}
