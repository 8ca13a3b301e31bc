import type { PoolClient } from 'pg';

/** One event behind an incident, whole, as the register keeps it. */
export interface EvidencePayloadEntry {
  eventId: string;
  eventTime: string;
  /** SHA-256 (hex) of the canonical JSON of `event`; the timeline entry that kept it names the same hash. */
  sha256: string;
  bytes: number;
  detectionId: string;
  keptAt: string;
  /** Set when `event.raw` holds only a prefix of the source's payload: the whole one's size and SHA-256. */
  rawCapped: { bytes: number; sha256: string; reason: string } | null;
  /** The normalised event; `raw` is the payload exactly as the source sent it. */
  event: Record<string, unknown>;
}

/** A payload the register let go, and why. */
export interface EvidencePurgeEntry {
  eventId: string;
  sha256: string;
  policy: 'retention' | 'per-incident-cap';
  detail: string;
  purgedAt: string;
}

export interface IncidentPayloads {
  evidencePayloads: EvidencePayloadEntry[];
  evidencePurges: EvidencePurgeEntry[];
}

export const EVIDENCE_PAYLOADS_SQL =
  'SELECT * FROM evidence_payloads WHERE incident_id = ANY($1::uuid[]) ORDER BY incident_id, event_time, event_id';
export const EVIDENCE_PURGES_SQL =
  'SELECT * FROM evidence_purges WHERE incident_id = ANY($1::uuid[]) ORDER BY incident_id, purged_at, event_id';

interface PayloadRow {
  incident_id: string;
  event_id: string;
  event_time: Date;
  event: Record<string, unknown>;
  raw_capped: EvidencePayloadEntry['rawCapped'];
  sha256: string;
  bytes: number;
  detection_id: string;
  kept_at: Date;
}

interface PurgeRow {
  incident_id: string;
  event_id: string;
  sha256: string;
  policy: EvidencePurgeEntry['policy'];
  detail: string;
  purged_at: Date;
}

/** The kept payloads and the purges of each incident named, inside the caller's snapshot. */
export async function readIncidentPayloads(client: PoolClient, ids: readonly string[]): Promise<Map<string, IncidentPayloads>> {
  const byIncident = new Map<string, IncidentPayloads>(ids.map((id) => [id, { evidencePayloads: [], evidencePurges: [] }]));
  if (ids.length === 0) return byIncident;
  const payloads = await client.query<PayloadRow>(EVIDENCE_PAYLOADS_SQL, [ids]);
  for (const row of payloads.rows) {
    byIncident.get(row.incident_id)?.evidencePayloads.push({
      eventId: row.event_id,
      eventTime: row.event_time.toISOString(),
      sha256: row.sha256,
      bytes: row.bytes,
      detectionId: row.detection_id,
      keptAt: row.kept_at.toISOString(),
      rawCapped: row.raw_capped,
      event: row.event,
    });
  }
  const purges = await client.query<PurgeRow>(EVIDENCE_PURGES_SQL, [ids]);
  for (const row of purges.rows) {
    byIncident.get(row.incident_id)?.evidencePurges.push({
      eventId: row.event_id,
      sha256: row.sha256,
      policy: row.policy,
      detail: row.detail,
      purgedAt: row.purged_at.toISOString(),
    });
  }
  return byIncident;
}

/** evidence.jsonl: one line per kept payload and per purge, in register order of the incidents given. */
export function evidenceJsonLines(incidents: ReadonlyArray<{ id: string; seq: number } & IncidentPayloads>): string {
  const lines: string[] = [];
  for (const incident of incidents) {
    for (const payload of incident.evidencePayloads) {
      lines.push(JSON.stringify({ incidentId: incident.id, seq: incident.seq, kind: 'kept', ...payload }));
    }
    for (const purge of incident.evidencePurges) {
      lines.push(JSON.stringify({ incidentId: incident.id, seq: incident.seq, kind: 'purged', ...purge }));
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
