/**
 * A sorted set of (score, member) as Redis keeps one: members unique, ordered by score and then by the
 * member's bytes (UTF-8), so that ranges, ties and limits come out in Redis's order. Kept as one sorted
 * array: a window's events arrive nearly in time order, so an add is an append and a trim a cut at the front.
 */
export class SortedMembers {
  private members: string[] = [];
  private scores: number[] = [];
  private readonly scoreOf = new Map<string, number>();

  get size(): number {
    return this.members.length;
  }

  score(member: string): number | undefined {
    return this.scoreOf.get(member);
  }

  /** Adds `member` at `score`, or moves it there. */
  add(score: number, member: string): void {
    if (this.scoreOf.has(member)) this.remove(member);
    const at = this.upperBound(score, member);
    if (at === this.members.length) {
      this.members.push(member);
      this.scores.push(score);
    } else {
      this.members.splice(at, 0, member);
      this.scores.splice(at, 0, score);
    }
    this.scoreOf.set(member, score);
  }

  private remove(member: string): void {
    const score = this.scoreOf.get(member);
    if (score === undefined) return;
    const at = this.lowerBound(score, member);
    this.members.splice(at, 1);
    this.scores.splice(at, 1);
    this.scoreOf.delete(member);
  }

  /** How many members score within [min, max]. */
  count(min: number, max: number): number {
    return Math.max(0, this.firstAbove(max) - this.firstAtOrAbove(min));
  }

  /** Members scoring within the range, lowest first, at most `limit`; `minExclusive` leaves `min` itself out. */
  range(min: number, max: number, limit = Infinity, minExclusive = false): Array<[string, number]> {
    const from = minExclusive ? this.firstAbove(min) : this.firstAtOrAbove(min);
    const to = Math.min(this.firstAbove(max), from + limit);
    const out: Array<[string, number]> = [];
    for (let i = from; i < to; i++) out.push([this.members[i]!, this.scores[i]!]);
    return out;
  }

  /** Members scoring within [min, max], highest first, at most `limit`. */
  reverseRange(min: number, max: number, limit = Infinity): Array<[string, number]> {
    const low = this.firstAtOrAbove(min);
    const out: Array<[string, number]> = [];
    for (let i = this.firstAbove(max) - 1; i >= low && out.length < limit; i--)
      out.push([this.members[i]!, this.scores[i]!]);
    return out;
  }

  /** The lowest-ranked member, if any. */
  first(): [string, number] | undefined {
    return this.members.length === 0 ? undefined : [this.members[0]!, this.scores[0]!];
  }

  /** Removes and returns the members scoring below `bound`, lowest first. */
  removeBelow(bound: number): Array<[string, number]> {
    return this.cutFront(this.firstAtOrAbove(bound));
  }

  /** Keeps only the `keep` highest-ranked members; returns the others, lowest first. */
  keepHighest(keep: number): string[] {
    return this.cutFront(Math.max(0, this.members.length - keep)).map(([member]) => member);
  }

  /** Removes and returns the `count` lowest-ranked members. */
  private cutFront(count: number): Array<[string, number]> {
    const removed: Array<[string, number]> = [];
    for (let i = 0; i < count; i++) {
      removed.push([this.members[i]!, this.scores[i]!]);
      this.scoreOf.delete(this.members[i]!);
    }
    if (count > 0) {
      this.members = this.members.slice(count);
      this.scores = this.scores.slice(count);
    }
    return removed;
  }

  /** The index of the first member scoring at least `score`. */
  private firstAtOrAbove(score: number): number {
    return this.search(score, false);
  }

  /** The index of the first member scoring above `score`. */
  private firstAbove(score: number): number {
    return this.search(score, true);
  }

  /** Binary search over the scores: the first index scoring above `score` (`above`) or at least it. */
  private search(score: number, above: boolean): number {
    let lo = 0;
    let hi = this.scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.scores[mid]!;
      if (at < score || (above && at === score)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of (score, member) if present, else where it would go. */
  private lowerBound(score: number, member: string): number {
    let lo = this.firstAtOrAbove(score);
    const hi = this.firstAbove(score);
    while (lo < hi && compareBytes(this.members[lo]!, member) < 0) lo++;
    return lo;
  }

  /** Where (score, member) goes after every member ranked at or below it. */
  private upperBound(score: number, member: string): number {
    const n = this.scores.length;
    if (
      n === 0 ||
      this.scores[n - 1]! < score ||
      (this.scores[n - 1] === score && compareBytes(this.members[n - 1]!, member) < 0)
    )
      return n;
    return this.lowerBound(score, member);
  }
}

/**
 * Orders strings as Redis orders members, by their UTF-8 bytes, which is code point order. JavaScript's `<`
 * compares UTF-16 units, where a surrogate (a code point above U+FFFF) sorts below U+E000–U+FFFF.
 */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}
