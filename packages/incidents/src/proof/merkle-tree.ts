import { createHash } from 'node:crypto';

/**
 * The register's Merkle tree (RFC 6962 §2.1, as in Certificate Transparency and Go's tlog): leaf i is the
 * hash of timeline entry i + 1, the tree over n leaves is MTH(D[n]). Leaf and node hashes are
 * domain-separated (0x00 / 0x01) so a node can never pass for a leaf. Verification lives in
 * tools/verify-bundle.mjs, which auditors run without Vigil's code; this side only builds trees and proofs.
 */
export function leafHash(entryHashHex: string): Buffer {
  return createHash('sha256').update(Buffer.from([0])).update(Buffer.from(entryHashHex, 'hex')).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();
}

/** MTH of the empty tree: the hash of the empty string. */
export const EMPTY_ROOT = createHash('sha256').digest('hex');

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export class MerkleTree {
  /** levels[0] are the leaf hashes; levels[h][i] is the full subtree over leaves [i·2^h, (i+1)·2^h). */
  private readonly levels: Buffer[][];

  constructor(entryHashes: readonly string[]) {
    const leaves = entryHashes.map(leafHash);
    this.levels = [leaves];
    let level = leaves;
    while (level.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i] as Buffer, level[i + 1] as Buffer));
      this.levels.push(next);
      level = next;
    }
  }

  get size(): number {
    return this.levels[0]?.length ?? 0;
  }

  /** MTH(D[0:size]) in hex, for any size up to the tree's own: earlier checkpoints are prefixes. */
  rootAt(size: number = this.size): string {
    this.assertSize(size);
    return size === 0 ? EMPTY_ROOT : this.subtree(0, size).toString('hex');
  }

  /** PATH(index, D[size]): the audit path of leaf `index` in the tree of the first `size` leaves. */
  inclusionProof(index: number, size: number = this.size): string[] {
    this.assertSize(size);
    if (!Number.isInteger(index) || index < 0 || index >= size) {
      throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
    }
    return this.path(index, 0, size).map((hash) => hash.toString('hex'));
  }

  /** PROOF(from, D[to]): that the tree of the first `from` leaves is a prefix of the tree of `to`. */
  consistencyProof(from: number, to: number = this.size): string[] {
    this.assertSize(to);
    if (!Number.isInteger(from) || from < 0 || from > to) {
      throw new RangeError(`cannot prove a tree of ${from} consistent with one of ${to}`);
    }
    if (from === 0 || from === to) return [];
    return this.subproof(from, 0, to, true).map((hash) => hash.toString('hex'));
  }

  private path(index: number, start: number, end: number): Buffer[] {
    const n = end - start;
    if (n <= 1) return [];
    const k = split(n);
    if (index < k) return [...this.path(index, start, start + k), this.subtree(start + k, end)];
    return [...this.path(index - k, start + k, end), this.subtree(start, start + k)];
  }

  private subproof(m: number, start: number, end: number, complete: boolean): Buffer[] {
    const n = end - start;
    if (m === n) return complete ? [] : [this.subtree(start, end)];
    const k = split(n);
    if (m <= k) return [...this.subproof(m, start, start + k, complete), this.subtree(start + k, end)];
    return [...this.subproof(m - k, start + k, end, false), this.subtree(start, start + k)];
  }

  /** MTH(D[start:end]); full aligned subtrees come straight from the levels, the rest in O(log n). */
  private subtree(start: number, end: number): Buffer {
    const n = end - start;
    if ((n & (n - 1)) === 0 && start % n === 0) {
      const height = Math.log2(n);
      const hash = this.levels[height]?.[start / n];
      if (hash) return hash;
    }
    const k = split(n);
    return nodeHash(this.subtree(start, start + k), this.subtree(start + k, end));
  }

  private assertSize(size: number): void {
    if (!Number.isInteger(size) || size < 0 || size > this.size) {
      throw new RangeError(`the tree has ${this.size} leaves, not ${size}`);
    }
  }
}
