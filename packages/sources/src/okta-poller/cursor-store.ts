import { createIfMissing } from '@vigil/runtime';

/** The part of a `pg.Pool` the cursor store uses; a `pg.Pool` fits it. */
export interface SqlPool {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * One row per polled source: the URL of the next page (Okta's `Link: rel="next"`), written only
 * after the page before it was acknowledged by the bus. In PostgreSQL rather than Redis because a
 * lost cursor means lost events, and PostgreSQL's commits are durable (Redis often runs without
 * fsync'd persistence, or with eviction) and it is backed up with the incident register.
 */
export async function ensureOktaPollerSchema(pool: SqlPool): Promise<void> {
  await createIfMissing(
    pool,
    `CREATE TABLE IF NOT EXISTS source_poll_cursors (
        source     text PRIMARY KEY,
        next_url   text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
  );
}

export async function loadCursor(pool: SqlPool, source: string): Promise<string | undefined> {
  const { rows } = await pool.query('SELECT next_url FROM source_poll_cursors WHERE source = $1', [source]);
  const row = rows[0] as { next_url: string } | undefined;
  return row?.next_url;
}

export async function saveCursor(pool: SqlPool, source: string, nextUrl: string): Promise<void> {
  await pool.query(
    `INSERT INTO source_poll_cursors (source, next_url) VALUES ($1, $2)
     ON CONFLICT (source) DO UPDATE SET next_url = EXCLUDED.next_url, updated_at = now()`,
    [source, nextUrl],
  );
}
