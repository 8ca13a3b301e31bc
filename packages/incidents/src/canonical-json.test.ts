import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { GENESIS_HASH, timelineHash } from './timeline-hash';

describe('canonicalJson', () => {
  it('writes the same text whatever order the keys come in, at every depth', () => {
    const a = canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' } });
    const b = canonicalJson({ a: { c: 'x', d: [1, { y: null, z: true }] }, b: 1 });
    expect(a).toBe(b);
    expect(a).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
  });

  it('drops what JSON drops, so a stored value hashes like the value that was written', () => {
    expect(canonicalJson({ a: undefined, b: [undefined], c: Number.NaN })).toBe('{"b":[null],"c":null}');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"ey': 'line\nbreak é' })).toBe('{"k\\"ey":"line\\nbreak é"}');
  });
});

describe('timelineHash', () => {
  const content = {
    incidentId: '6f1c2a4e-0000-4000-8000-000000000001',
    kind: 'detected',
    actor: 'vigil:identity.brute-force',
    at: '2026-01-01T00:00:00.000Z',
    data: { detectionId: 'd1', severity: 'SEV2' },
  };

  it('is stable and depends on the previous hash', () => {
    const first = timelineHash(GENESIS_HASH, content);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(timelineHash(GENESIS_HASH, { ...content, data: { severity: 'SEV2', detectionId: 'd1' } })).toBe(
      first,
    );
    expect(timelineHash(first, content)).not.toBe(first);
  });

  it('changes when any part of the content changes', () => {
    const base = timelineHash(GENESIS_HASH, content);
    expect(timelineHash(GENESIS_HASH, { ...content, actor: 'someone' })).not.toBe(base);
    expect(timelineHash(GENESIS_HASH, { ...content, at: '2026-01-01T00:00:00.001Z' })).not.toBe(base);
    expect(
      timelineHash(GENESIS_HASH, { ...content, data: { detectionId: 'd1', severity: 'SEV1' } }),
    ).not.toBe(base);
  });
});
