import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from 'vitest';
import { PlatformaticCommits, type PartitionOffset } from './platformatic-commits';

type Sent = Array<PartitionOffset & { leaderEpoch: number }>;

describe('PlatformaticCommits', () => {
  test('a commit that is never answered is given up after its deadline, and later commits still go', async () => {
    const sent: Sent[] = [];
    const commits = new PlatformaticCommits(
      (offsets) => {
        sent.push(offsets);
        // The first request hangs, as the client's commit does while it rejoins a rebalancing group.
        return sent.length === 1 ? new Promise<never>(() => undefined) : Promise.resolve();
      },
      () => true,
      silentLogger,
      200,
    );

    const startedAt = performance.now();
    await commits.commit('t/0', { topic: 't', partition: 0, offset: 5n });
    const waited = performance.now() - startedAt;
    await commits.commit('t/0', { topic: 't', partition: 0, offset: 9n });
    await commits.drained();

    expect(waited).toBeGreaterThanOrEqual(190);
    expect(sent.map((offsets) => offsets.map((o) => o.offset))).toEqual([[5n], [9n]]);
  });

  test('partitions finished in the same turn go in one request; a partition no longer held is left out', async () => {
    const sent: Sent[] = [];
    const commits = new PlatformaticCommits(
      async (offsets) => void sent.push(offsets),
      (_topic, partition) => partition !== 2,
      silentLogger,
      1_000,
    );

    await Promise.all([
      commits.commit('t/0', { topic: 't', partition: 0, offset: 1n }),
      commits.commit('t/1', { topic: 't', partition: 1, offset: 7n }),
      commits.commit('t/2', { topic: 't', partition: 2, offset: 3n }),
    ]);

    expect(sent).toEqual([
      [
        { topic: 't', partition: 0, offset: 1n, leaderEpoch: -1 },
        { topic: 't', partition: 1, offset: 7n, leaderEpoch: -1 },
      ],
    ]);
  });
});
