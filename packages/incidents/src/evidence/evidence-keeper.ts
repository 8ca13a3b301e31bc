import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { unsafeTextReason, type Detection } from '@vigil/schema';
import { canonicalJson, toJsonValue } from '../canonical-json';

/**
 * What the register keeps of one incident's events: the first `first` and the last `last` by event time, each
 * whole. The refs of every event (id, stream position, time) are kept regardless in `incident_evidence`, so the
 * count of events behind an incident is always known; the events in between are counted, not kept.
 */
export const EVIDENCE_PER_INCIDENT = { first: 10, last: 10 } as const;

/** A kept payload as the timeline names it: enough to check a copy against the chain. */
export interface KeptPayloadRef {
  eventId: string;
  sha256: string;
}

/** What the timeline entry that took in the detection records about its payloads. */
export interface EvidenceRecord {
  evidenceKept?: KeptPayloadRef[];
  evidenceDropped?: Array<KeptPayloadRef & { policy: 'per-incident-cap' }>;
  /** Payloads the register cannot hold (text PostgreSQL refuses): kept by reference only, with the reason. */
  evidenceNotKept?: Array<{ eventId: string; reason: string }>;
}

/** Why PostgreSQL's jsonb would refuse the value (a NUL, a lone surrogate in a string or key), if it would. */
function unstorableText(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      const reason = unsafeTextReason(current);
      if (reason) return reason;
    } else if (current !== null && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        const reason = unsafeTextReason(key);
        if (reason) return `a key ${reason}`;
        stack.push(item);
      }
    }
  }
  return undefined;
}

/** SHA-256 (hex) of the RFC 8785 canonical JSON of a stored event: what the timeline and the bundle carry. */
export function payloadHash(event: unknown): string {
  return createHash('sha256').update(canonicalJson(event), 'utf8').digest('hex');
}

interface Candidate {
  eventId: string;
  time: number;
  sha256: string;
  stored: boolean;
}

const byTime = (a: Candidate, b: Candidate) => a.time - b.time || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

/**
 * Keeps the payloads the detection carries for `incidentId`, inside the caller's transaction (which holds the
 * incident's row lock), within `EVIDENCE_PER_INCIDENT`: a newer event can push an older "last" one out, and that
 * one is purged on record (`evidence_purges`, policy `per-incident-cap`). Returns what to write into the timeline
 * entry of this change, so the chain vouches for every kept payload and every one let go.
 */
export async function keepEvidencePayloads(
  client: PoolClient,
  incidentId: string,
  detection: Detection,
  now: Date,
): Promise<EvidenceRecord> {
  const payloads = detection.payloads ?? [];
  if (payloads.length === 0) return {};
  const known = await client.query<{ event_id: string; event_time: Date; sha256: string; purged: boolean }>(
    `SELECT event_id, event_time, sha256, false AS purged FROM evidence_payloads WHERE incident_id = $1
     UNION ALL SELECT p.event_id, e.event_time, p.sha256, true FROM evidence_purges p
       JOIN incident_evidence e ON e.incident_id = p.incident_id AND e.event_id = p.event_id WHERE p.incident_id = $1`,
    [incidentId],
  );
  const taken = new Set(known.rows.map((row) => row.event_id));
  const candidates: Candidate[] = known.rows
    .filter((row) => !row.purged)
    .map((row) => ({ eventId: row.event_id, time: row.event_time.getTime(), sha256: row.sha256, stored: true }));
  const fresh = new Map<string, { event: unknown; rawCapped: unknown; bytes: number; time: Date }>();
  const notKept: Array<{ eventId: string; reason: string }> = [];
  for (const payload of payloads) {
    const event = toJsonValue(payload.event);
    if (taken.has(event.id) || fresh.has(event.id)) continue;
    // One unstorable payload must not cost the incident: it stays a stream reference, and the chain says why.
    const unstorable = unstorableText(event.raw);
    if (unstorable) {
      notKept.push({ eventId: event.id, reason: `its raw payload ${unstorable}` });
      continue;
    }
    const text = canonicalJson(event);
    const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
    fresh.set(event.id, { event, rawCapped: payload.rawCapped ?? null, bytes: Buffer.byteLength(text), time: new Date(event.time) });
    candidates.push({ eventId: event.id, time: Date.parse(event.time), sha256, stored: false });
  }
  candidates.sort(byTime);
  const { first, last } = EVIDENCE_PER_INCIDENT;
  const keep = candidates.length <= first + last ? candidates : [...candidates.slice(0, first), ...candidates.slice(-last)];
  const keepIds = new Set(keep.map((candidate) => candidate.eventId));
  const added = keep.filter((candidate) => !candidate.stored);
  const dropped = candidates.filter((candidate) => candidate.stored && !keepIds.has(candidate.eventId));

  for (const candidate of added) {
    const payload = fresh.get(candidate.eventId);
    if (!payload) continue;
    await client.query(
      `INSERT INTO evidence_payloads (incident_id, event_id, event_time, event, raw_capped, sha256, bytes, detection_id,
         kept_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [incidentId, candidate.eventId, payload.time, JSON.stringify(payload.event),
        payload.rawCapped === null ? null : JSON.stringify(payload.rawCapped), candidate.sha256, payload.bytes,
        detection.id, now],
    );
  }
  if (dropped.length > 0) {
    await recordPurges(client, incidentId, dropped, 'per-incident-cap', capDetail(), now);
  }
  const record: EvidenceRecord = {};
  if (added.length > 0) record.evidenceKept = added.map(({ eventId, sha256 }) => ({ eventId, sha256 }));
  if (notKept.length > 0) record.evidenceNotKept = notKept;
  if (dropped.length > 0) {
    record.evidenceDropped = dropped.map(({ eventId, sha256 }) => ({ eventId, sha256, policy: 'per-incident-cap' }));
  }
  return record;
}

function capDetail(): string {
  return `keeps the first ${EVIDENCE_PER_INCIDENT.first} and the last ${EVIDENCE_PER_INCIDENT.last} events of an incident`;
}

/** Records each purge, then deletes the payloads (the database refuses a delete with no purge on record). */
export async function recordPurges(
  client: PoolClient,
  incidentId: string,
  purged: readonly KeptPayloadRef[],
  policy: 'retention' | 'per-incident-cap',
  detail: string,
  now: Date,
): Promise<void> {
  const ids = purged.map((entry) => entry.eventId);
  await client.query(
    `INSERT INTO evidence_purges (incident_id, event_id, sha256, policy, detail, purged_at)
     SELECT $1, e.event_id, e.sha256, $4, $5, $6 FROM unnest($2::text[], $3::text[]) AS e(event_id, sha256)`,
    [incidentId, ids, purged.map((entry) => entry.sha256), policy, detail, now],
  );
  await client.query('DELETE FROM evidence_payloads WHERE incident_id = $1 AND event_id = ANY($2::text[])', [incidentId, ids]);
}
