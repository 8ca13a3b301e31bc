/**
 * A sorted set of (score, member) kept outside the JavaScript heap: the members' UTF-8 bytes in one
 * buffer, their scores, ranks and a hash index in typed arrays. It holds what a windowed primitive keeps
 * as counted (up to `COUNTED_IDS_KEPT` ids trimmed from each scope's window), which in a busy detector is
 * most of the window state: as strings in a `Map` these were a million small objects for the collector
 * to trace; here they are a few buffers a scope.
 *
 * Members are compared as Redis compares them, by their bytes: ties in score rank by the bytes, and two
 * strings that encode to the same UTF-8 (lone surrogates become U+FFFD, as ioredis sends them) are one
 * member, as they are in Redis.
 */
export class PackedMembers {
  /** Members' bytes, appended; bytes of removed members are reclaimed when the buffer must grow. */
  private bytes = Buffer.allocUnsafe(256);
  private used = 0;
  private liveBytes = 0;

  /** Per slot: where its bytes are, their hash, and its score. */
  private offsets = new Int32Array(8);
  private lengths = new Int32Array(8);
  private hashes = new Int32Array(8);
  private scores = new Float64Array(8);
  private readonly freeSlots: number[] = [];
  private slotsMade = 0;

  /** Slots lowest ranked first, in `ranks[head..tail)`. */
  private ranks = new Int32Array(8);
  private head = 0;
  private tail = 0;

  /** Open addressing over the hashes: slot + 1, 0 for empty, -1 for a removed slot. */
  private index = new Int32Array(16);
  private indexFilled = 0;

  get size(): number {
    return this.tail - this.head;
  }

  score(member: string): number | undefined {
    const length = stage(member);
    const slot = this.find(length, hashStaged(length));
    return slot < 0 ? undefined : this.scores[slot];
  }

  /** Adds `member` at `score`, or moves it there. */
  add(score: number, member: string): void {
    const length = stage(member);
    const hash = hashStaged(length);
    const found = this.find(length, hash);
    if (found >= 0) {
      if (this.scores[found] === score) return;
      this.unrank(found);
      this.scores[found] = score;
      this.rank(found);
      return;
    }
    const slot = this.newSlot();
    this.offsets[slot] = this.append(length);
    this.lengths[slot] = length;
    this.hashes[slot] = hash;
    this.scores[slot] = score;
    this.insertIndex(slot);
    this.rank(slot);
  }

  /** Keeps only the `keep` highest-ranked members; returns the others, lowest first. */
  keepHighest(keep: number): string[] {
    const cut = Math.max(0, this.size - keep);
    const removed: string[] = [];
    for (let i = 0; i < cut; i++) {
      const slot = this.ranks[this.head + i]!;
      removed.push(this.memberOf(slot));
      this.removeIndex(slot);
      this.liveBytes -= this.lengths[slot]!;
      this.freeSlots.push(slot);
    }
    this.head += cut;
    return removed;
  }

  /** Every member with its score, lowest ranked first. */
  entries(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (let i = this.head; i < this.tail; i++) {
      const slot = this.ranks[i]!;
      out.push([this.memberOf(slot), this.scores[slot]!]);
    }
    return out;
  }

  private memberOf(slot: number): string {
    const offset = this.offsets[slot]!;
    return this.bytes.toString('utf8', offset, offset + this.lengths[slot]!);
  }

  /** The slot holding the staged member's bytes, or -1. */
  private find(length: number, hash: number): number {
    const mask = this.index.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const entry = this.index[i]!;
      if (entry === 0) return -1;
      const slot = entry - 1;
      if (entry > 0 && this.hashes[slot] === hash && this.sameAsStaged(slot, length)) return slot;
    }
  }

  private sameAsStaged(slot: number, length: number): boolean {
    if (this.lengths[slot] !== length) return false;
    const offset = this.offsets[slot]!;
    for (let i = 0; i < length; i++) if (this.bytes[offset + i] !== staged[i]) return false;
    return true;
  }

  private insertIndex(slot: number): void {
    if ((this.indexFilled + 1) * 4 > this.index.length * 3) this.rebuildIndex(this.size + 1);
    const mask = this.index.length - 1;
    let i = this.hashes[slot]! & mask;
    while (this.index[i]! > 0) i = (i + 1) & mask;
    if (this.index[i] === 0) this.indexFilled++;
    this.index[i] = slot + 1;
  }

  private removeIndex(slot: number): void {
    const mask = this.index.length - 1;
    let i = this.hashes[slot]! & mask;
    while (this.index[i] !== slot + 1) i = (i + 1) & mask;
    this.index[i] = -1;
  }

  /** A fresh table for `count` members, removed slots left out. */
  private rebuildIndex(count: number): void {
    let capacity = 16;
    while (capacity * 3 < count * 8) capacity *= 2;
    this.index = new Int32Array(capacity);
    this.indexFilled = 0;
    const mask = capacity - 1;
    for (let r = this.head; r < this.tail; r++) {
      const slot = this.ranks[r]!;
      let i = this.hashes[slot]! & mask;
      while (this.index[i] !== 0) i = (i + 1) & mask;
      this.index[i] = slot + 1;
      this.indexFilled++;
    }
  }

  private newSlot(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    if (this.slotsMade === this.offsets.length) {
      const capacity = this.offsets.length * 2;
      this.offsets = grown(this.offsets, capacity);
      this.lengths = grown(this.lengths, capacity);
      this.hashes = grown(this.hashes, capacity);
      const scores = new Float64Array(capacity);
      scores.set(this.scores);
      this.scores = scores;
    }
    return this.slotsMade++;
  }

  /** Copies the staged bytes in, reclaiming removed members' bytes first when the buffer is full. */
  private append(length: number): number {
    if (this.used + length > this.bytes.length) {
      const capacity = Math.max(256, 2 ** Math.ceil(Math.log2(2 * (this.liveBytes + length))));
      const bytes = Buffer.allocUnsafe(capacity);
      let used = 0;
      for (let r = this.head; r < this.tail; r++) {
        const slot = this.ranks[r]!;
        const offset = this.offsets[slot]!;
        this.bytes.copy(bytes, used, offset, offset + this.lengths[slot]!);
        this.offsets[slot] = used;
        used += this.lengths[slot]!;
      }
      this.bytes = bytes;
      this.used = used;
    }
    staged.copy(this.bytes, this.used, 0, length);
    const at = this.used;
    this.used += length;
    this.liveBytes += length;
    return at;
  }

  /** Puts a slot among the ranks, after every member ranked at or below it. */
  private rank(slot: number): void {
    if (this.tail === this.ranks.length) {
      const live = this.size;
      if (live * 2 >= this.ranks.length) {
        const ranks = new Int32Array(this.ranks.length * 2);
        ranks.set(this.ranks.subarray(this.head, this.tail));
        this.ranks = ranks;
      } else this.ranks.copyWithin(0, this.head, this.tail);
      this.head = 0;
      this.tail = live;
    }
    let at = this.tail;
    if (at > this.head && this.compare(this.ranks[at - 1]!, slot) > 0) {
      let lo = this.head;
      let hi = this.tail;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compare(this.ranks[mid]!, slot) <= 0) lo = mid + 1;
        else hi = mid;
      }
      at = lo;
      this.ranks.copyWithin(at + 1, at, this.tail);
    }
    this.ranks[at] = slot;
    this.tail++;
  }

  /** Takes a slot out of the ranks (its score unchanged yet). */
  private unrank(slot: number): void {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.ranks[mid]!, slot) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.ranks.copyWithin(lo, lo + 1, this.tail);
    this.tail--;
  }

  /** Orders two slots by score, then by their bytes. */
  private compare(a: number, b: number): number {
    const byScore = this.scores[a]! - this.scores[b]!;
    if (byScore !== 0) return byScore;
    const offsetA = this.offsets[a]!;
    const offsetB = this.offsets[b]!;
    return this.bytes.compare(
      this.bytes,
      offsetB,
      offsetB + this.lengths[b]!,
      offsetA,
      offsetA + this.lengths[a]!,
    );
  }
}

/** The bytes of the member being looked up or added (one at a time: the port is synchronous). */
let staged = Buffer.allocUnsafe(256);

/** Writes `member`'s UTF-8 into `staged`; returns its length. */
function stage(member: string): number {
  if (member.length * 3 > staged.length)
    staged = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(member.length * 3)));
  return staged.write(member, 0, 'utf8');
}

/** FNV-1a over the staged bytes. */
function hashStaged(length: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ staged[i]!, 0x01000193);
  return hash;
}

function grown(array: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(capacity);
  out.set(array);
  return out;
}
