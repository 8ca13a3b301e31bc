import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { drawSample, sampleRank, tableSampleSize } from './sampling';

const population = (count: number) => Array.from({ length: count }, (_, index) => ({ seq: index + 1 }));

describe('tableSampleSize', () => {
  it("follows the auditor's table", () => {
    expect([0, 1, 5].map(tableSampleSize)).toEqual([0, 1, 5]);
    expect([6, 50].map(tableSampleSize)).toEqual([5, 5]);
    expect([51, 100, 101, 250].map(tableSampleSize)).toEqual([6, 10, 11, 25]);
    expect([251, 10_000].map(tableSampleSize)).toEqual([25, 25]);
  });
});

describe('drawSample', () => {
  it('draws the same incidents for the same seed, whatever order the population comes in', () => {
    const first = drawSample(population(120), 'Q1-2026');
    const again = drawSample(population(120).reverse(), 'Q1-2026');
    expect(again).toEqual(first);
    expect(first.size).toBe(12);
    expect(first.sizeRule).toBe('table');
    expect(first.selected).toHaveLength(12);
    expect(drawSample(population(120), 'Q2-2026').selected).not.toEqual(first.selected);
  });

  it('ranks by the SHA-256 of "<seed>:<number>", which anyone can recompute', () => {
    expect(sampleRank('Q1-2026', 17)).toBe(createHash('sha256').update('Q1-2026:17').digest('hex'));
    const { selected } = drawSample(population(40), 'seed');
    const expected = population(40)
      .map(({ seq }) => ({ seq, hash: createHash('sha256').update(`seed:${seq}`).digest('hex') }))
      .sort((a, b) => a.hash.localeCompare(b.hash))
      .slice(0, 5)
      .map(({ seq }) => seq)
      .sort((a, b) => a - b);
    expect(selected.map((entry) => entry.seq)).toEqual(expected);
    expect([...selected].sort((a, b) => a.rank - b.rank).map((entry) => entry.rank)).toEqual([1, 2, 3, 4, 5]);
  });

  it('takes a requested size, capped at the population; a small population is taken whole', () => {
    expect(drawSample(population(30), 's', 8)).toMatchObject({
      size: 8,
      sizeRule: 'requested',
      requestedSize: 8,
    });
    expect(drawSample(population(3), 's', 8).size).toBe(3);
    expect(drawSample(population(4), 's').selected.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a seed or size it cannot use', () => {
    expect(() => drawSample(population(3), '')).toThrow(/invalid sample seed/);
    expect(() => drawSample(population(3), 's', 0)).toThrow(/invalid sample size/);
    expect(() => drawSample(population(3), 's', 1.5)).toThrow(/invalid sample size/);
  });
});
