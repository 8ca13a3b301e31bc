import type { Logger } from '@vigil/telemetry';
import { withDeadline } from './deadline';

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: bigint;
}

/**
 * Offset commits of a platformatic consumer: the partitions that finished in the same turn of the event
 * loop go in one request, and requests go one after the other, so an older commit never lands after a
 * newer one. Only partitions the member still holds (`holds`) are committed.
 *
 * A request gets `timeoutMs` for its answer. The client answers a commit refused during a rebalance by
 * rejoining the group first, which can take a whole rebalance (or several); waiting for that would hold
 * every later commit and a stopping member's shutdown. Past the deadline the request is given up
 * (logged): its records come again to whoever holds the partition next, and the next commit of the
 * partition carries its newer offset.
 */
export class PlatformaticCommits {
  private readonly pending = new Map<string, PartitionOffset>();
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly send: (offsets: Array<PartitionOffset & { leaderEpoch: number }>) => Promise<unknown>,
    private readonly holds: (topic: string, partition: number) => boolean,
    private readonly log: Logger,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves once the request carrying this partition's offset has been answered (or failed, logged). */
  commit(key: string, entry: PartitionOffset): Promise<void> {
    this.pending.set(key, entry);
    if (!this.scheduled) {
      this.scheduled = true;
      this.chain = this.chain.then(
        () =>
          new Promise<void>((resolve) => {
            setImmediate(() => {
              this.scheduled = false;
              const offsets = [...this.pending.values()].filter(({ topic, partition }) =>
                this.holds(topic, partition),
              );
              this.pending.clear();
              if (offsets.length === 0) return resolve();
              withDeadline(
                this.send(offsets.map((o) => ({ ...o, leaderEpoch: -1 }))),
                this.timeoutMs,
                () => new Error(`no answer to the offset commit within ${this.timeoutMs} ms`),
              )
                .catch((error: unknown) => {
                  // Not fatal: the records come again to whoever holds the partition next (at-least-once).
                  this.log.warn({ err: error, partitions: offsets.length }, 'offset commit failed');
                })
                .finally(resolve);
            });
          }),
      );
    }
    return this.chain;
  }

  /** A partition taken away: its offset waiting to go is not this member's to commit any more. */
  forget(key: string): void {
    this.pending.delete(key);
  }

  /** Every commit asked for so far has been answered. */
  drained(): Promise<void> {
    return this.chain;
  }
}
