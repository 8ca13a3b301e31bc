import type { PoolClient } from 'pg';
import { toJsonValue } from './canonical-json';
import { timelineHash } from './timeline-hash';

export interface TimelineAppend {
  incidentId: string;
  kind: string;
  actor: string;
  data: Record<string, unknown>;
}

/**
 * Appends entries to the register's one hash chain inside the caller's transaction. Locking the head row
 * serialises appends across processes, so each entry's `prev_hash` is the hash of the entry just before it.
 * Take it after any incident row lock, never before: one lock order everywhere means no deadlock.
 */
export async function appendTimeline(client: PoolClient, entries: TimelineAppend[], at: Date): Promise<void> {
  if (entries.length === 0) return;
  const head = await client.query<{ last_entry_id: string; head_hash: string }>(
    'SELECT last_entry_id, head_hash FROM timeline_chain_head WHERE singleton FOR UPDATE',
  );
  const current = head.rows[0];
  if (!current) throw new Error('timeline_chain_head has no row; was the database migrated?');

  // Milliseconds are what timestamptz(3) keeps, so the hashed text is exactly what reads back.
  const atText = at.toISOString();
  let lastId = Number(current.last_entry_id);
  let prevHash = current.head_hash;
  const ids: number[] = [];
  const incidentIds: string[] = [];
  const kinds: string[] = [];
  const actors: string[] = [];
  const datas: string[] = [];
  const prevHashes: string[] = [];
  const hashes: string[] = [];
  for (const entry of entries) {
    const data = toJsonValue(entry.data);
    const hash = timelineHash(prevHash, { ...entry, at: atText, data });
    lastId += 1;
    ids.push(lastId);
    incidentIds.push(entry.incidentId);
    kinds.push(entry.kind);
    actors.push(entry.actor);
    datas.push(JSON.stringify(data));
    prevHashes.push(prevHash);
    hashes.push(hash);
    prevHash = hash;
  }

  await client.query(
    `INSERT INTO incident_timeline (id, incident_id, kind, actor, at, data, prev_hash, hash)
     SELECT e.id, e.incident_id, e.kind, e.actor, $1, e.data, e.prev_hash, e.hash
     FROM unnest($2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[])
       AS e(id, incident_id, kind, actor, data, prev_hash, hash)`,
    [atText, ids, incidentIds, kinds, actors, datas, prevHashes, hashes],
  );
  await client.query('UPDATE timeline_chain_head SET last_entry_id = $1, head_hash = $2 WHERE singleton', [
    lastId,
    prevHash,
  ]);
}
