import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { verifyConsistency, verifyInclusion, leafHash as verifierLeafHash } from '../../../../tools/verify-bundle.mjs';
import { EMPTY_ROOT, leafHash, MerkleTree, nodeHash } from './merkle-tree';

const entry = (i: number) => createHash('sha256').update(`entry ${i}`).digest('hex');
const entries = (n: number) => Array.from({ length: n }, (_, i) => entry(i));

/** RFC 6962 §2.1 MTH written straight from its definition, to check the level-by-level tree against. */
function referenceRoot(hashes: string[]): Buffer {
  if (hashes.length === 0) return createHash('sha256').digest();
  if (hashes.length === 1) return leafHash(hashes[0] as string);
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(referenceRoot(hashes.slice(0, k)), referenceRoot(hashes.slice(k)));
}

describe('register Merkle tree (RFC 6962)', () => {
  test('roots of every size match the definition, and earlier sizes are prefixes', () => {
    const all = entries(40);
    const tree = new MerkleTree(all);
    for (let n = 0; n <= 40; n += 1) {
      expect(tree.rootAt(n)).toBe(referenceRoot(all.slice(0, n)).toString('hex'));
      expect(new MerkleTree(all.slice(0, n)).rootAt()).toBe(tree.rootAt(n));
    }
    expect(tree.rootAt(0)).toBe(EMPTY_ROOT);
    expect(verifierLeafHash(all[0] as string)).toBe(leafHash(all[0] as string).toString('hex'));
  });

  test('every inclusion proof verifies with the stand-alone verifier, and a wrong one does not', () => {
    const all = entries(33);
    const tree = new MerkleTree(all);
    for (const size of [1, 2, 3, 5, 8, 13, 32, 33]) {
      const root = tree.rootAt(size);
      for (let i = 0; i < size; i += 1) {
        const proof = tree.inclusionProof(i, size);
        const leaf = verifierLeafHash(all[i] as string);
        expect(verifyInclusion(leaf, i, size, proof, root)).toBe(true);
        // The same proof for the neighbouring leaf, or against another size, fails.
        if (size > 1) expect(verifyInclusion(verifierLeafHash(all[(i + 1) % size] as string), i, size, proof, root)).toBe(false);
        if (size > 1) expect(verifyInclusion(leaf, i, size, proof, tree.rootAt(size - 1))).toBe(false);
      }
    }
    expect(() => tree.inclusionProof(33, 33)).toThrow(RangeError);
  });

  test('every consistency proof verifies, and one against a rewritten history does not', () => {
    const all = entries(21);
    const tree = new MerkleTree(all);
    const rewritten = new MerkleTree(all.map((hash, i) => (i === 4 ? entry(1000) : hash)));
    for (let to = 1; to <= 21; to += 1) {
      for (let from = 0; from <= to; from += 1) {
        const proof = tree.consistencyProof(from, to);
        expect(verifyConsistency(from, to, proof, tree.rootAt(from), tree.rootAt(to))).toBe(true);
        if (from > 4 && from < to) {
          // An auditor holding the true root of `from` is not fooled by the rewritten register's proof.
          const forged = rewritten.consistencyProof(from, to);
          expect(verifyConsistency(from, to, forged, tree.rootAt(from), rewritten.rootAt(to))).toBe(false);
        }
      }
    }
  });
});
