import type { PoolClient } from 'pg';
import type { ChainVerification } from '../incident-types';
import type { TimelineRow } from '../incident-rows';
import { GENESIS_HASH, timelineHash } from '../timeline-hash';

const BATCH = 1000;

/**
 * Recomputes the whole timeline chain inside the caller's transaction, so that the head an export prints
 * belongs to the same snapshot as its population. Same checks as `verifyChain` (which opens its own
 * transaction, and whose walk is not exported): every entry present, linked to the one before, content
 * matching its hash, and the head row naming the last entry.
 */
export async function verifyChainIn(client: PoolClient): Promise<ChainVerification> {
  const headRows = await client.query<{ last_entry_id: string; head_hash: string }>(
    'SELECT last_entry_id, head_hash FROM timeline_chain_head WHERE singleton',
  );
  const head = headRows.rows[0];
  if (!head) return broken(1, 'the chain head row is missing');

  let expectedId = 1;
  let prevHash = GENESIS_HASH;
  for (;;) {
    const { rows } = await client.query<TimelineRow>(
      'SELECT * FROM incident_timeline WHERE id >= $1 ORDER BY id LIMIT $2',
      [expectedId, BATCH],
    );
    for (const row of rows) {
      const id = Number(row.id);
      if (id !== expectedId) return broken(expectedId, `entry ${expectedId} is missing`);
      if (row.prev_hash !== prevHash) return broken(id, 'prev_hash is not the hash of the entry before it');
      const recomputed = timelineHash(prevHash, {
        incidentId: row.incident_id,
        kind: row.kind,
        actor: row.actor,
        at: row.at.toISOString(),
        data: row.data,
      });
      if (recomputed !== row.hash)
        return broken(id, 'content does not match its hash: the entry was altered');
      prevHash = row.hash;
      expectedId += 1;
    }
    if (rows.length < BATCH) break;
  }

  const entries = expectedId - 1;
  const headId = Number(head.last_entry_id);
  if (headId !== entries) {
    return broken(
      Math.min(headId, entries) + 1,
      `the chain head names entry ${headId} but the chain ends at entry ${entries}`,
    );
  }
  if (head.head_hash !== prevHash) {
    return broken(Math.max(entries, 1), 'the chain head hash is not the hash of the last entry');
  }
  return { ok: true, entries, head: prevHash };
}

function broken(firstBrokenId: number, reason: string): ChainVerification {
  return { ok: false, firstBrokenId, reason, entry: null };
}
