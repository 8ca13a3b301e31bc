import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { boundedDeadLetter, DEAD_LETTER_LIMITS } from './dead-letter';
import { jsonDepth, safeJsonText, unsafeTextReason } from './json-safety';

const base = { stage: 'detector', reason: 'r', errors: [], receivedAt: '2026-12-03T00:00:00.000Z' };

describe('dead letters always fit one Kafka record', () => {
  it('keeps a small raw value as it is', () => {
    expect(boundedDeadLetter({ ...base, raw: { a: 1 } })).toEqual({ ...base, raw: { a: 1 } });
  });

  it('keeps a prefix, the byte length and the SHA-256 of a large raw text', () => {
    const text = 'é'.repeat(100_000);
    const letter = boundedDeadLetter({ ...base, raw: text });
    expect(Buffer.byteLength(letter.raw as string)).toBeLessThanOrEqual(DEAD_LETTER_LIMITS.rawBytes);
    expect(letter.rawCapped).toMatchObject({ bytes: 200_000, sha256: createHash('sha256').update(text).digest('hex') });
  });

  it('writes a value nested 100,000 deep as text without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const letter = boundedDeadLetter({ ...base, raw: deep });
    expect(letter.rawCapped?.bytes).toBe(100_000 * 6 + 1);
    expect(() => JSON.stringify(letter)).not.toThrow();
  });

  it('cuts long reasons and keeps at most 50 field errors, saying how many more there were', () => {
    const errors = Array.from({ length: 80 }, (_, i) => ({ path: `p${i}`, message: 'm'.repeat(5000) }));
    const letter = boundedDeadLetter({ ...base, raw: null, reason: 'x'.repeat(10_000), errors });
    expect(letter.reason.length).toBeLessThanOrEqual(DEAD_LETTER_LIMITS.textChars + 1);
    expect(letter.errors).toHaveLength(51);
    expect(letter.errors[50]).toEqual({ path: '(more)', message: '30 more errors not kept' });
  });
});

describe('json safety', () => {
  it('serialises like JSON.stringify at any depth', () => {
    const value = { a: [1, 'x', null, { b: true }], c: '\ud800' };
    expect(safeJsonText(value)).toBe(JSON.stringify(value));
    let deep: unknown = [];
    for (let i = 0; i < 1000; i++) deep = [deep, { k: i }];
    expect(JSON.parse(safeJsonText(deep))).toEqual(deep);
    expect(jsonDepth(deep)).toBe(1001);
  });

  it('names NUL and lone surrogates, accepts proper pairs', () => {
    expect(unsafeTextReason('ok 😀')).toBeUndefined();
    expect(unsafeTextReason('a\u0000')).toMatch(/NUL/);
    expect(unsafeTextReason('\udc00x')).toMatch(/lone UTF-16 surrogate/);
    expect(unsafeTextReason('x\ud800')).toMatch(/lone UTF-16 surrogate/);
  });
});
