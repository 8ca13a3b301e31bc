// The test vectors printed in docs/register-proof.md: if this fails, the docs are wrong or the format changed.
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  checkpointHash,
  keyId,
  leafHash,
  signedBytes,
  verifyConsistency,
  verifyInclusion,
  verifySignature,
} from '../../../../tools/verify-bundle.mjs';
import { MerkleTree } from './merkle-tree';
import { registerSigner } from './register-signer';

// RFC 8032 §7.1 test 1 secret key, wrapped as PKCS #8.
const KEY = createPrivateKey(
  '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n',
);
const ENTRIES = ['entry 1', 'entry 2', 'entry 3'].map((text) => createHash('sha256').update(text).digest('hex'));

describe('docs/register-proof.md test vectors', () => {
  test('key, leaves, roots and proofs', () => {
    expect(keyId(createPublicKey(KEY))).toBe('06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9');
    expect(ENTRIES.map(leafHash)).toEqual([
      '29b8dfcc80825109c77dd99a8950b1190f0b65cc2d876012a40e810662cb023d',
      'a76639395ce0db5d51a8d73ffb1fd1fdea5598ebcee2ca10da3fa2ec1f09c7a7',
      '24665e3a9be096bd4b2d43cdc2dbfeeee189a43ef69bb6fc9ca893e0162b97b9',
    ]);
    const tree = new MerkleTree(ENTRIES);
    expect(tree.rootAt(2)).toBe('0323b66e3e7a4dc4b1146c075f436a54d8a85460c1233fbd2760157539c15830');
    expect(tree.rootAt(3)).toBe('cce0098e73bb0ba1ba388e1a3c5f44a3cafb2059de19a00fea110a01fc1b4c02');
    const inclusion = tree.inclusionProof(1, 3);
    expect(inclusion).toEqual([
      '29b8dfcc80825109c77dd99a8950b1190f0b65cc2d876012a40e810662cb023d',
      '24665e3a9be096bd4b2d43cdc2dbfeeee189a43ef69bb6fc9ca893e0162b97b9',
    ]);
    expect(verifyInclusion(leafHash(ENTRIES[1] as string), 1, 3, inclusion, tree.rootAt(3))).toBe(true);
    const consistency = tree.consistencyProof(2, 3);
    expect(consistency).toEqual(['24665e3a9be096bd4b2d43cdc2dbfeeee189a43ef69bb6fc9ca893e0162b97b9']);
    expect(verifyConsistency(2, 3, consistency, tree.rootAt(2), tree.rootAt(3))).toBe(true);
  });

  test('a signed checkpoint: signed bytes, signature and hash', () => {
    const signer = registerSigner(KEY);
    const checkpoint = signer.sign({
      format: 'vigil-checkpoint/1',
      seq: 1,
      treeSize: 3,
      root: 'cce0098e73bb0ba1ba388e1a3c5f44a3cafb2059de19a00fea110a01fc1b4c02',
      at: '2026-12-01T00:00:00.000Z',
      previous: null,
      keyId: signer.keyId,
    });
    expect(signedBytes(checkpoint).toString('utf8')).toBe(
      '{"at":"2026-12-01T00:00:00.000Z","format":"vigil-checkpoint/1","keyId":"06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9","previous":null,"root":"cce0098e73bb0ba1ba388e1a3c5f44a3cafb2059de19a00fea110a01fc1b4c02","seq":1,"treeSize":3}',
    );
    expect(checkpoint.signature).toBe(
      'rBSCQV61bGbvTdnRKkmMwqO8Crqjz5k1M5n7mS1uW1K+gwuncg1nJff8XJ9dRgz/8SRyNgqyfGTv4sMc5sGoBA==',
    );
    expect(checkpointHash(checkpoint)).toBe('c23f1752f044e733ce79cc96597347cfada6325c021062ddd62c314dc4ff1d2a');
    expect(verifySignature(checkpoint, createPublicKey(KEY))).toBe(true);
    expect(verifySignature({ ...checkpoint, treeSize: 4 }, createPublicKey(KEY))).toBe(false);
  });
});
