/**
 * Every query an audit export runs, as the text printed in its query.txt: the population an auditor tests
 * is information produced by the entity, and they re-derive it from these and the parameters beside them.
 */

/**
 * The population of [$1, $2): every incident opened before the period ends that had not ended (been
 * resolved or dismissed) before it began. That takes in incidents opened within the period, those carried
 * into it, and those still open. An incident reopened after a resolution counts by its latest resolution.
 */
export const POPULATION_SQL = `SELECT *
FROM incidents
WHERE detected_at < $2
  AND (COALESCE(resolved_at, dismissed_at) IS NULL OR COALESCE(resolved_at, dismissed_at) >= $1)
ORDER BY seq`;

/** The whole register's numbering: how many incidents, the highest number, the counter's last number. */
export const SEQUENCE_TOTALS_SQL = `SELECT count(*) AS incidents,
  COALESCE(max(seq), 0) AS highest_present,
  (SELECT last_seq FROM incident_counter WHERE singleton) AS last_issued
FROM incidents`;

/** Runs of register numbers missing below the highest present, whole register. */
export const SEQUENCE_GAPS_SQL = `SELECT previous + 1 AS first_missing, seq - 1 AS last_missing
FROM (SELECT seq, lag(seq, 1, 0::bigint) OVER (ORDER BY seq) AS previous FROM incidents) AS numbered
WHERE seq > previous + 1
ORDER BY first_missing`;

/** Rows behind the population ($1: its incident ids). */
export const POPULATION_ROW_COUNTS_SQL = `SELECT
  (SELECT count(*) FROM incident_timeline WHERE incident_id = ANY($1::uuid[])) AS timeline_entries,
  (SELECT count(*) FROM incident_evidence WHERE incident_id = ANY($1::uuid[])) AS evidence,
  (SELECT count(*) FROM incident_communications WHERE incident_id = ANY($1::uuid[])) AS communications`;

export const TIMELINE_SQL = 'SELECT * FROM incident_timeline WHERE incident_id = ANY($1::uuid[]) ORDER BY id';
export const EVIDENCE_SQL =
  'SELECT * FROM incident_evidence WHERE incident_id = ANY($1::uuid[]) ORDER BY incident_id, event_time, event_id';
export const COMMUNICATIONS_SQL =
  'SELECT * FROM incident_communications WHERE incident_id = ANY($1::uuid[]) ORDER BY id';
export const NOTIFICATIONS_SQL =
  'SELECT * FROM notifications WHERE incident_id = ANY($1::uuid[]) ORDER BY position';

/** The chain walk: the head row, then every entry in order, each hash recomputed. */
export const CHAIN_SQL = `SELECT last_entry_id, head_hash FROM timeline_chain_head WHERE singleton;
-- then, from $1 = 1, a thousand entries at a time until the end, each hash recomputed as
-- sha256(prev_hash || canonical JSON of {incidentId, kind, actor, at, data}):
SELECT * FROM incident_timeline WHERE id >= $1 ORDER BY id LIMIT 1000`;

export const SNAPSHOT_BEGIN = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
