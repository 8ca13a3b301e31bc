import { RetryableError, errorMessage, type Clock } from '@vigil/runtime';
import type { Redis } from 'ioredis';
import { RedisBatch } from '../redis-batch';
import { LocalCountInWindow, type WindowCall } from './local-count-in-window';
import { SCOPE_WRITE_SCRIPT, readScope, writeScopes } from './scope-store';
import type { WireReply } from './window-scopes';

/**
 * Count-in-window state kept in the detector's process for the scopes of the partitions it reads, each
 * scope durable as one Redis hash (`scope-store.ts`). A scope is read from Redis the first time a batch
 * needs it (after a start, or when its partition came here), answered from memory after that, and what a
 * batch changed is written before the batch's detections go out (`flush`). Memory is a cache of what was
 * written plus the batch in hand: when a write fails or finds its version moved on (another detector took
 * the partition and wrote), the scope is forgotten and the batch fails, to be read again and redone.
 *
 * Calls for one scope are answered in the order they were made, each after the scope's read.
 *
 * Memory holds the scopes in use: a scope no call touched for a sweep period (`idleMs`, one to two of
 * them) is dropped once written, and read again if an event for it comes. So a detector's memory follows
 * its active scopes, not every user it ever saw, and the scopes of partitions that moved away leave it.
 */
/** How long a scope may go untouched before it leaves memory (it stays in Redis). */
const DEFAULT_IDLE_MS = 60_000;

export class PartitionWindows {
  private readonly port = new LocalCountInWindow();
  /** Per scope key: the version its hash was read or last written at ('' for none). */
  private readonly versions = new Map<string, string>();
  /** Per scope key: the read or the last call in progress, so calls for the scope keep their order. */
  private readonly pending = new Map<string, Promise<unknown>>();
  /** Scopes whose burst markers were dropped since they were last written. */
  private readonly released = new Set<string>();
  /** Per scope key: how long its hash outlives the scope's last event. */
  private readonly ttls = new Map<string, number>();

  /** Per scope key: its write under way (settles, never rejects), which a later write of it waits for. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Scopes a call touched since the last sweep. */
  private touched = new Set<string>();
  private sweptAt: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: { clock: Clock; idleMs?: number },
  ) {
    this.sweptAt = options.clock.now();
  }

  /**
   * Counts one event for the scope whose hash is `key`. The hash outlives the scope's last event by
   * `ttl.stateMs`, and by at least `ttl.replayMs` once it holds a crossing's record, which a redelivery
   * must find for as long as the Redis script keeps it. The caller notes `key` among its batch's scopes
   * and passes them to `flush`.
   */
  countInWindow(
    key: string,
    call: WindowCall,
    ttl: { stateMs: number; replayMs: number },
  ): Promise<WireReply> {
    this.ttls.set(key, Math.max(this.ttls.get(key) ?? 0, ttl.stateMs));
    this.touched.add(key);
    const before = this.pending.get(key) ?? (this.versions.has(key) ? Promise.resolve() : this.load(key));
    const reply = before.then(() => {
      const wire = this.port.add(key, call);
      if (wire[0] === 'crossed') this.ttls.set(key, Math.max(ttl.stateMs, ttl.replayMs));
      return wire;
    });
    const done = (): void => {
      if (this.pending.get(key) === settled) this.pending.delete(key);
    };
    const settled: Promise<void> = reply.then(done, done);
    this.pending.set(key, settled);
    return reply;
  }

  /** Drops a burst marker once its continuation is published; written with the scope's next flush. */
  dropReplay(key: string, eventId: string): void {
    if (!this.versions.has(key)) return;
    this.port.dropReplay(key, eventId);
    this.released.add(key);
  }

  /**
   * Writes what a batch's scopes (`keys`, every call of the batch settled) changed, and the scopes whose
   * markers were dropped since, each behind its version. Batches in flight at once hold different
   * partitions, so different scopes, but a scope with a released marker may be written by any batch's
   * flush while its own partition's next batch is using it: writes of one scope go one after another.
   * Rejects with a `RetryableError` when a write failed or was stale, having forgotten those scopes.
   */
  async flush(keys: ReadonlySet<string>): Promise<void> {
    this.sweep(keys);
    // Another batch's write of one of these scopes (its own, or one with a released marker) is under way:
    // this one waits for it, to write behind the version it leaves instead of being refused as stale.
    for (;;) {
      const earlier = new Set<Promise<void>>();
      for (const key of [...keys, ...this.released]) {
        const write = this.writing.get(key);
        if (write) earlier.add(write);
      }
      if (earlier.size === 0) break;
      await Promise.all(earlier);
    }
    // A scope of this batch forgotten meanwhile (another batch's write of it failed) took this batch's
    // changes with it: the batch must be redone.
    const lost = [...keys].filter((key) => !this.versions.has(key));
    for (const key of lost) this.forget(key);
    if (lost.length > 0)
      throw new RetryableError(`window state of ${lost.length} scope(s) was dropped; read again`);
    const used = [...keys];
    for (const key of this.released) {
      if (!keys.has(key) && this.versions.has(key) && !this.pending.has(key)) used.push(key);
    }
    this.released.clear();
    if (used.length === 0) return;
    const write = this.write(used);
    const settled = write.then(
      () => undefined,
      () => undefined,
    );
    for (const key of used) this.writing.set(key, settled);
    try {
      await write;
    } finally {
      for (const key of used) if (this.writing.get(key) === settled) this.writing.delete(key);
    }
  }

  /** Writes what the scopes changed, each behind its version; forgets those refused or not written. */
  private async write(used: string[]): Promise<void> {
    const changes = this.port.takeChangesOf(used);
    const batch = new RedisBatch(this.redis, [SCOPE_WRITE_SCRIPT]);
    const written = writeScopes(
      batch,
      used.map((key, i) => ({
        key,
        version: this.versions.get(key) ?? '',
        changes: changes[i]!,
        ttlMs: this.ttls.get(key) ?? 0,
      })),
    );
    const flushed = await batch.flush().then(
      () => undefined,
      (error: unknown) => error,
    );
    const results = await written.catch(() => undefined);
    const failed: string[] = [];
    used.forEach((key, i) => {
      const result = results?.[i];
      if (result?.kind === 'ok') this.versions.set(key, result.version);
      else failed.push(key);
    });
    if (failed.length === 0) return;
    for (const key of failed) this.forget(key);
    throw new RetryableError(
      flushed
        ? `window state not written: ${errorMessage(flushed)}`
        : `window state of ${failed.length} scope(s) moved on elsewhere; read again`,
    );
  }

  /**
   * Once a period: drops the scopes no call touched in it, other than `keep` (the flushing batch's) and
   * those with a released marker to write. The others are written (a scope in use by a batch was touched),
   * so dropping them loses nothing.
   */
  private sweep(keep: ReadonlySet<string>): void {
    const now = this.options.clock.now();
    if (now - this.sweptAt < (this.options.idleMs ?? DEFAULT_IDLE_MS)) return;
    this.sweptAt = now;
    for (const key of this.versions.keys()) {
      const busy = this.pending.has(key) || this.writing.has(key) || this.released.has(key);
      if (!this.touched.has(key) && !keep.has(key) && !busy) this.forget(key);
    }
    this.touched = new Set();
  }

  private forget(key: string): void {
    this.versions.delete(key);
    this.ttls.delete(key);
    this.port.delete(key);
  }

  private async load(key: string): Promise<void> {
    const { version, fields } = await readScope(this.redis, key).catch((error: unknown) => {
      throw new RetryableError(`window state not read: ${errorMessage(error)}`, undefined, { cause: error });
    });
    this.port.restore(key, fields);
    this.versions.set(key, version);
  }
}
