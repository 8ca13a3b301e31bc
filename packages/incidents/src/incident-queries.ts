import type { Pool } from 'pg';
import { ValidationError } from '@vigil/runtime';
import { decodeCursor, encodeCursor } from './incident-cursor';
import type { IncidentDetail, IncidentPage, ListIncidentsQuery } from './incident-types';
import {
  toCommunicationEntry,
  toEvidenceEntry,
  toIncidentRecord,
  toNotificationDetail,
  toTimelineEntry,
  type IncidentRow,
  type NotificationRow,
  type TimelineRow,
} from './incident-rows';
import { readIncidentPayloads } from './evidence/evidence-payloads';
import { inTransaction } from './pg-transaction';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Anything PostgreSQL's uuid type accepts in canonical form; anything else cannot name an incident. */
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function getIncident(pool: Pool, id: string): Promise<IncidentDetail | null> {
  if (!UUID_TEXT.test(id)) return null;
  // One snapshot, so the timeline, evidence and messages all belong to the incident row returned.
  return inTransaction(
    pool,
    async (client) => {
      const incidents = await client.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id]);
      const incident = incidents.rows[0];
      if (!incident) return null;
      // One query at a time: a pg client runs them in turn anyway, and overlapping calls are deprecated.
      const evidence = await client.query(
        'SELECT * FROM incident_evidence WHERE incident_id = $1 ORDER BY event_time, event_id',
        [id],
      );
      const timeline = await client.query<TimelineRow>(
        'SELECT * FROM incident_timeline WHERE incident_id = $1 ORDER BY id',
        [id],
      );
      const communications = await client.query(
        'SELECT * FROM incident_communications WHERE incident_id = $1 ORDER BY id',
        [id],
      );
      const notifications = await client.query<NotificationRow>(
        'SELECT * FROM notifications WHERE incident_id = $1 ORDER BY position',
        [id],
      );
      const payloads = (await readIncidentPayloads(client, [id])).get(id);
      return {
        ...toIncidentRecord(incident),
        evidencePayloads: payloads?.evidencePayloads ?? [],
        evidencePurges: payloads?.evidencePurges ?? [],
        evidence: evidence.rows.map(toEvidenceEntry),
        timeline: timeline.rows.map(toTimelineEntry),
        communications: communications.rows.map(toCommunicationEntry),
        notifications: notifications.rows.map(toNotificationDetail),
      };
    },
    { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
  );
}

export async function listIncidents(pool: Pool, query: ListIncidentsQuery = {}): Promise<IncidentPage> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError('invalid limit', [
      { path: 'limit', message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` },
    ]);
  }
  const from = optionalTime(query.from, 'from');
  const to = optionalTime(query.to, 'to');
  if (from && to && from.getTime() > to.getTime()) {
    throw new ValidationError('invalid period', [{ path: 'from', message: 'must not be after to' }]);
  }

  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  // Open at some moment of [from, to): opened before the end, and not resolved before the start.
  if (to) conditions.push(`detected_at < ${param(to)}`);
  if (from) conditions.push(`(resolved_at IS NULL OR resolved_at >= ${param(from)})`);
  if (query.status && query.status.length > 0) conditions.push(`status = ANY(${param(query.status)})`);
  if (query.criteria && query.criteria.length > 0)
    conditions.push(`criteria && ${param(query.criteria)}::text[]`);
  if (query.cursor !== undefined) conditions.push(`seq > ${param(decodeCursor(query.cursor))}`);

  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  // One extra row says whether there is a next page without a second query.
  const { rows } = await pool.query<IncidentRow>(
    `SELECT * FROM incidents ${where} ORDER BY seq LIMIT ${param(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit).map(toIncidentRecord);
  const last = page.at(-1);
  return { incidents: page, nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null };
}

function optionalTime(value: string | undefined, path: string): Date | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) {
    throw new ValidationError(`invalid ${path}`, [{ path, message: 'must be an ISO-8601 timestamp' }]);
  }
  return time;
}
