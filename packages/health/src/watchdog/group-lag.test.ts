import { describe, expect, it } from 'vitest';
import { readGroupLag, stalledPartitions } from './group-lag';

const reader = (committed: Record<number, string>) => ({
  topicOffsets: async () => [
    { partition: 1, low: '0', high: '10' },
    { partition: 0, low: '100', high: '150' },
    { partition: 2, low: '0', high: '0' },
  ],
  groupOffsets: async () => Object.entries(committed).map(([partition, offset]) => ({ partition: Number(partition), offset })),
});

describe('readGroupLag', () => {
  it('measures from the committed offset, from the log start when below it or never committed, and flags skips', async () => {
    expect(await readGroupLag(reader({ 0: '40', 1: '7' }), 'g', 't')).toEqual([
      { partition: 0, committed: '40', low: '100', high: '150', lag: 50, skipped: true },
      { partition: 1, committed: '7', low: '0', high: '10', lag: 3, skipped: false },
      { partition: 2, committed: '-1', low: '0', high: '0', lag: 0, skipped: false },
    ]);
  });

  it('a stalled partition has lag at both samples and the same committed offset', async () => {
    const before = await readGroupLag(reader({ 0: '120', 1: '7' }), 'g', 't');
    const after = await readGroupLag(reader({ 0: '130', 1: '7', 2: '-1' }), 'g', 't');
    expect(stalledPartitions(undefined, after)).toEqual([]);
    expect(stalledPartitions(before, after).map((p) => p.partition)).toEqual([1]);
  });
});
