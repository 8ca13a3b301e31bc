interface Entry<K, V> {
  key: K;
  value: V;
  older: Entry<K, V> | undefined;
  newer: Entry<K, V> | undefined;
}

/**
 * A map of at most `capacity` entries that forgets the least recently used first, in constant time.
 * A plain Map used as an LRU (delete and set again to refresh, evict with `keys().next()`) slows down
 * as it runs: every deleted slot at the front is walked past again by the next eviction, until V8
 * rehashes. In ingest's GitHub delivery guard that was 4 % of a busy process's CPU.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, Entry<K, V>>();
  private oldest: Entry<K, V> | undefined;
  private newest: Entry<K, V> | undefined;

  constructor(
    private readonly capacity: number,
    /** Told of each entry forgotten to make room (not of `delete`). */
    private readonly onEvict?: (key: K, value: V) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.unlink(entry);
    this.append(entry);
    return entry.value;
  }

  /** Sets the value as the most recently used, then forgets the least recently used past `capacity`. */
  set(key: K, value: V): void {
    const known = this.entries.get(key);
    if (known) {
      known.value = value;
      this.unlink(known);
      this.append(known);
      return;
    }
    const entry: Entry<K, V> = { key, value, older: undefined, newer: undefined };
    this.entries.set(key, entry);
    this.append(entry);
    while (this.entries.size > this.capacity && this.oldest) {
      const evicted = this.oldest;
      this.unlink(evicted);
      this.entries.delete(evicted.key);
      this.onEvict?.(evicted.key, evicted.value);
    }
  }

  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.unlink(entry);
    this.entries.delete(key);
    return true;
  }

  private append(entry: Entry<K, V>): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  private unlink(entry: Entry<K, V>): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }
}
