import { createIfMissing } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';

/** The part of a `pg.Pool` the index uses. */
export interface OffsetIndexPool {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface OffsetIndexOptions {
  pool: OffsetIndexPool;
  /** Whose index: the detectors' consumer group (one deployment). */
  group: string;
  /** A partition gets a new entry at most this often. */
  intervalMs: number;
  /** Entries older than this (the rebuild horizon) are pruned, all but the newest of them per partition. */
  horizonMs: number;
  logger: Logger;
  /** A write or read failed (for the dependency-error metric). */
  onError?: () => void;
  now?: () => number;
  /** How often old entries are pruned. Default 10 minutes. */
  pruneEveryMs?: number;
}

interface Entry {
  topic: string;
  partition: number;
  offset: string;
  /** When the detector saw the record at `offset`; null: the partition's first record ever. */
  seenAt: number | null;
}

const TABLE = `CREATE TABLE IF NOT EXISTS detector_offset_index (
  group_id     text NOT NULL,
  topic        text NOT NULL,
  partition    integer NOT NULL,
  record_offset bigint NOT NULL,
  seen_at      timestamptz NOT NULL,
  PRIMARY KEY (group_id, topic, partition, record_offset)
)`;

/** Staged entries kept while PostgreSQL cannot take them; the oldest go first (a later entry is as good). */
const MAX_STAGED = 10_000;
const RETRY_AFTER_FAILURE_MS = 5_000;

/**
 * Where each partition of the events topic was, and when: a few rows per partition per minute in
 * PostgreSQL, so that a detector that lost its Redis state can find where to replay from on any broker.
 *
 * An entry (offset O, seen at W) says: the record at O existed at W, so every record appended at or after
 * W has an offset above O. To rebuild windows that reach back to time H, replaying from the greatest O
 * with W <= H misses nothing. Offset 0 is the start of a partition's history and is written with time
 * -infinity: on a topic younger than the horizon, the replay starts there. This needs no support from the
 * broker for finding offsets by time (the librdkafka mock answers every such lookup with the end of the log).
 *
 * Writing is best effort and never holds up detection: entries wait in memory while PostgreSQL is away, and
 * a missing entry only makes a replay start earlier (or fall back to Kafka's lookup by time).
 */
export class OffsetIndex {
  private readonly now: () => number;
  private readonly lastNoted = new Map<string, number>();
  private readonly staged = new Map<string, Entry>();
  private flushing: Promise<void> | undefined;
  private ready: Promise<void> | undefined;
  private retryAt = 0;
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: OffsetIndexOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The detector is about to evaluate the batch that starts at `offset`. Waits only for the entry of a
   * partition's first record (offset 0), so that a loss right after the start of a topic has it.
   */
  async note(topic: string, partition: number, offset: string): Promise<void> {
    const key = `${topic}|${partition}`;
    const now = this.now();
    const last = this.lastNoted.get(key);
    const start = offset === '0';
    if (start || last === undefined || now - last >= this.options.intervalMs) {
      this.lastNoted.set(key, now);
      this.stage({ topic, partition, offset, seenAt: start ? null : now });
    }
    if (this.staged.size === 0 || (!start && now < this.retryAt)) return;
    const flushing = this.flush();
    if (start) await flushing;
  }

  /** The greatest indexed offset of the partition seen at or before `timeMs`; undefined if there is none. */
  async offsetAtOrBefore(topic: string, partition: number, timeMs: number): Promise<string | undefined> {
    await this.ensureTable();
    const { rows } = await this.options.pool.query(
      `SELECT max(record_offset)::text AS o FROM detector_offset_index
        WHERE group_id = $1 AND topic = $2 AND partition = $3 AND seen_at <= $4`,
      [this.options.group, topic, partition, new Date(timeMs)],
    );
    return (rows[0] as { o: string | null } | undefined)?.o ?? undefined;
  }

  /** Waits for the write in progress. */
  async stop(): Promise<void> {
    await this.flushing;
  }

  private stage(entry: Entry): void {
    // One pending entry per partition and offset; the earliest sighting is the tighter one.
    const id = `${entry.topic}|${entry.partition}|${entry.offset}`;
    if (!this.staged.has(id)) this.staged.set(id, entry);
    if (this.staged.size > MAX_STAGED) this.staged.delete(this.staged.keys().next().value!);
  }

  private flush(): Promise<void> {
    this.flushing ??= this.writeStaged().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Writes what is staged, and what gets staged meanwhile, until nothing is left or a write fails. */
  private async writeStaged(): Promise<void> {
    while (this.staged.size > 0) {
      const entries = [...this.staged.values()];
      this.staged.clear();
      try {
        await this.ensureTable();
        await this.insert(entries);
        await this.pruneIfDue();
      } catch (error) {
        for (const entry of entries) this.stage(entry);
        this.retryAt = this.now() + RETRY_AFTER_FAILURE_MS;
        this.options.onError?.();
        this.options.logger.warn(
          { err: error, staged: this.staged.size },
          'offset index not written; kept in memory and tried again',
        );
        return;
      }
    }
  }

  private async insert(entries: Entry[]): Promise<void> {
    const values: unknown[] = [this.options.group];
    const rows = entries.map((entry) => {
      values.push(
        entry.topic,
        entry.partition,
        entry.offset,
        entry.seenAt === null ? '-infinity' : new Date(entry.seenAt).toISOString(),
      );
      const n = values.length;
      return `($1, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::timestamptz)`;
    });
    await this.options.pool.query(
      `INSERT INTO detector_offset_index (group_id, topic, partition, record_offset, seen_at)
       VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING`,
      values,
    );
  }

  /** Keeps, per partition, the entries within the horizon and the newest one before it. */
  private async pruneIfDue(): Promise<void> {
    const now = this.now();
    if (now - this.lastPrune < (this.options.pruneEveryMs ?? 600_000)) return;
    this.lastPrune = now;
    await this.options.pool.query(
      `DELETE FROM detector_offset_index d
        WHERE d.group_id = $1 AND d.seen_at < $2
          AND d.record_offset < (SELECT max(k.record_offset) FROM detector_offset_index k
                                  WHERE k.group_id = d.group_id AND k.topic = d.topic AND k.partition = d.partition AND k.seen_at < $2)`,
      [this.options.group, new Date(now - this.options.horizonMs)],
    );
  }

  private ensureTable(): Promise<void> {
    this.ready ??= createIfMissing(this.options.pool, TABLE).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
