import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../pg-transaction';
import type { Interval } from './intervals';

/** One check of a service, at its event time. */
export interface ServiceCheck {
  service: string;
  at: number;
}

/** Covered time of one service. */
export interface CoverageSegment extends Interval {
  service: string;
}

/**
 * Groups check times into segments: times no more than `maxGapMs` apart fall into one segment from the
 * first to the last. The result is the same whatever order or batching the times come in.
 */
export function coverageSegments(times: readonly number[], maxGapMs: number): Interval[] {
  const sorted = [...times].sort((a, b) => a - b);
  const segments: Interval[] = [];
  for (const at of sorted) {
    const last = segments.at(-1);
    if (last && at - last.end <= maxGapMs) last.end = Math.max(last.end, at);
    else segments.push({ start: at, end: at });
  }
  return segments;
}

/**
 * Merges the checks into the stored segments of their services, in one transaction: a segment within
 * `maxGapMs` of another merges with it. Checks already covered change nothing, so a redelivery or a replay
 * of the same checks leaves the table as it was, and any order of arrival ends with the same segments.
 */
export async function recordChecks(
  pool: Pool,
  checks: readonly ServiceCheck[],
  maxGapMs: number,
): Promise<void> {
  if (checks.length === 0) return;
  const byService = new Map<string, number[]>();
  for (const check of checks) {
    const times = byService.get(check.service);
    if (times) times.push(check.at);
    else byService.set(check.service, [check.at]);
  }
  await inTransaction(pool, async (client) => {
    for (const [service, times] of [...byService].sort(([a], [b]) => a.localeCompare(b))) {
      // One writer per service at a time; services in a fixed order, so two batches never deadlock.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vigil:coverage:${service}`]);
      for (const segment of coverageSegments(times, maxGapMs))
        await mergeSegment(client, service, segment, maxGapMs);
    }
  });
}

async function mergeSegment(
  client: PoolClient,
  service: string,
  segment: Interval,
  maxGapMs: number,
): Promise<void> {
  const touching = await client.query<{ starts_at: Date; ends_at: Date }>(
    `DELETE FROM check_coverage
      WHERE service = $1 AND starts_at <= $3 AND ends_at >= $2
      RETURNING starts_at, ends_at`,
    [service, new Date(segment.start - maxGapMs), new Date(segment.end + maxGapMs)],
  );
  let { start, end } = segment;
  for (const row of touching.rows) {
    start = Math.min(start, row.starts_at.getTime());
    end = Math.max(end, row.ends_at.getTime());
  }
  await client.query('INSERT INTO check_coverage (service, starts_at, ends_at) VALUES ($1, $2, $3)', [
    service,
    new Date(start),
    new Date(end),
  ]);
}

/** The segments of these services that overlap `[from, to)`. */
export async function loadCoverage(
  client: PoolClient,
  services: readonly string[],
  from: number,
  to: number,
): Promise<CoverageSegment[]> {
  const { rows } = await client.query<{ service: string; starts_at: Date; ends_at: Date }>(
    `SELECT service, starts_at, ends_at FROM check_coverage
      WHERE service = ANY($1::text[]) AND starts_at < $3 AND ends_at >= $2
      ORDER BY service, starts_at`,
    [services, new Date(from), new Date(to)],
  );
  return rows.map((row) => ({
    service: row.service,
    start: row.starts_at.getTime(),
    end: row.ends_at.getTime(),
  }));
}
