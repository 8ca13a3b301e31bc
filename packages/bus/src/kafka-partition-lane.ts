import type { IncomingMessage } from './bus';

/** A failed run of a partition, waiting for its back-off before the records come again. */
export interface FailedRun {
  firstOffset: string;
  attempt: number;
  retryAt: number;
  timer?: NodeJS.Timeout;
}

/**
 * What this member knows of one partition between kafkajs's fetches and the bus handler's runs.
 *
 * kafkajs hands over a fetched batch and fetches that partition again as soon as the batch's offsets
 * are resolved. The lane queues the records, so the next fetch goes out while a run is in flight, and a
 * run takes every record queued since the last one. `next` is the offset after the last record queued:
 * a fetch that comes again from an earlier offset (a rejoin restarts at the committed offset) only adds
 * what is new. When the lane is sent back to an earlier offset (a failed run, a rewind, a partition
 * taken away) its queue is dropped and `epoch` bumped, so a run that started before neither commits
 * nor goes on; kafkajs itself skips batches fetched before a seek (`isStale`).
 */
export class PartitionLane {
  queue: IncomingMessage[] = [];
  next: bigint | undefined;
  epoch = 0;
  failed: FailedRun | undefined;
  /** The loop running this lane's queue, while there is one. */
  running: Promise<void> | undefined;
  private roomWaiters: Array<() => void> = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Queues the records of a fetched batch that are new to this lane; returns how many were. */
  accept(messages: IncomingMessage[]): number {
    const from = this.next;
    const fresh = from === undefined ? messages : messages.filter((m) => BigInt(m.offset) >= from);
    if (fresh.length > 0) {
      for (const message of fresh) this.queue.push(message);
      this.next = BigInt(fresh[fresh.length - 1]!.offset) + 1n;
    }
    return fresh.length;
  }

  /** Takes up to `max` queued records for a run. */
  take(max: number): IncomingMessage[] {
    const run = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
    this.queue = this.queue.length <= max ? [] : this.queue.slice(max);
    this.wakeRoomWaiters();
    return run;
  }

  /** Drops what is queued, and ends the run in flight's claim to commit or go on. */
  turnBack(): void {
    this.epoch += 1;
    this.dropQueued();
  }

  /** Drops what is queued; whatever kafkajs fetches next is taken as new. */
  dropQueued(): void {
    this.queue = [];
    this.next = undefined;
    this.wakeRoomWaiters();
  }

  /** Resolves once fewer than `limit` records are queued (or the lane was emptied). */
  room(limit: number): Promise<void> {
    if (this.queue.length < limit) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }
}
