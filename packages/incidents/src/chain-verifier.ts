import type { Pool, PoolClient } from 'pg';
import type { BrokenEntry, ChainVerification } from './incident-types';
import type { TimelineRow } from './incident-rows';
import { inTransaction } from './pg-transaction';
import { GENESIS_HASH, timelineHash } from './timeline-hash';

const BATCH = 1000;

/**
 * Recomputes every hash of the register's timeline from its content, in chain order, and checks the chain
 * head against the last entry (which catches entries cut off the end). Reads one snapshot, so appends
 * running meanwhile neither break nor extend what is checked.
 */
export async function verifyChain(pool: Pool): Promise<ChainVerification> {
  return inTransaction(
    pool,
    async (client) => {
      const result = await walkChain(client);
      if (result.ok) return result;
      return { ...result, entry: await describeEntry(client, result.firstBrokenId) };
    },
    { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
  );
}

export type ChainWalk =
  { ok: true; entries: number; head: string } | { ok: false; firstBrokenId: number; reason: string };

/**
 * The chain check itself, inside the caller's transaction: every entry present, linked to the one before,
 * content matching its hash, and the head row naming the last entry. `verifyChain` and the audit
 * export (which needs the head of its own snapshot) both run this one walk.
 */
export async function walkChain(client: PoolClient): Promise<ChainWalk> {
  const headRows = await client.query<{ last_entry_id: string; head_hash: string }>(
    'SELECT last_entry_id, head_hash FROM timeline_chain_head WHERE singleton',
  );
  const head = headRows.rows[0];
  if (!head) return { ok: false, firstBrokenId: 1, reason: 'the chain head row is missing' };

  let expectedId = 1;
  let prevHash = GENESIS_HASH;
  for (;;) {
    const { rows } = await client.query<TimelineRow>(
      'SELECT * FROM incident_timeline WHERE id >= $1 ORDER BY id LIMIT $2',
      [expectedId, BATCH],
    );
    for (const row of rows) {
      const id = Number(row.id);
      if (id !== expectedId) {
        return { ok: false, firstBrokenId: expectedId, reason: `entry ${expectedId} is missing` };
      }
      if (row.prev_hash !== prevHash) {
        return {
          ok: false,
          firstBrokenId: id,
          reason: 'prev_hash is not the hash of the entry before it',
        };
      }
      const recomputed = timelineHash(prevHash, {
        incidentId: row.incident_id,
        kind: row.kind,
        actor: row.actor,
        at: row.at.toISOString(),
        data: row.data,
      });
      if (recomputed !== row.hash) {
        return {
          ok: false,
          firstBrokenId: id,
          reason: 'content does not match its hash: the entry was altered',
        };
      }
      prevHash = row.hash;
      expectedId += 1;
    }
    if (rows.length < BATCH) break;
  }

  const entries = expectedId - 1;
  const headId = Number(head.last_entry_id);
  if (headId !== entries) {
    return {
      ok: false,
      firstBrokenId: Math.min(headId, entries) + 1,
      reason: `the chain head names entry ${headId} but the chain ends at entry ${entries}`,
    };
  }
  if (head.head_hash !== prevHash) {
    return {
      ok: false,
      firstBrokenId: Math.max(entries, 1),
      reason: 'the chain head hash is not the hash of the last entry',
    };
  }
  return { ok: true, entries, head: prevHash };
}

/** The entry as it now reads (it may be the altered content), and which incident it belongs to. */
async function describeEntry(client: PoolClient, id: number): Promise<BrokenEntry | null> {
  const { rows } = await client.query<{
    incident_id: string;
    kind: string;
    actor: string;
    at: Date;
    seq: string | null;
  }>(
    `SELECT t.incident_id, t.kind, t.actor, t.at, i.seq
     FROM incident_timeline t LEFT JOIN incidents i ON i.id = t.incident_id WHERE t.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    incidentId: row.incident_id,
    incidentRef: row.seq === null ? null : `INC-${row.seq}`,
    kind: row.kind,
    actor: row.actor,
    at: row.at.toISOString(),
  };
}
