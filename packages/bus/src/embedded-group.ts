import type { Logger } from '@vigil/telemetry';
import { backoffDelay, type RetryBackoff } from './backoff';
import type { IncomingBatch, SubscribeOptions } from './bus';
import type { PartitionLog, StoredRecord } from './partition-log';

/** What a group needs from the bus it lives on. */
export interface GroupHost {
  partitionsOf(topic: string): readonly PartitionLog[];
  /** Called after the group moved its committed offset, so the bus can drop what all groups have. */
  committed(topic: string, partition: number): void;
  maxBatchSize: number;
  retryBackoff: RetryBackoff;
  logger: Logger;
}

export interface GroupMember {
  seq: number;
  topics: ReadonlySet<string>;
  eachBatch: SubscribeOptions['eachBatch'];
  concurrency: number;
  inFlight: Set<Promise<void>>;
  leaving: boolean;
}

interface GroupPartition {
  topic: string;
  partition: number;
  /** The next offset to hand out; everything below it is committed. */
  committed: number;
  owner: GroupMember | undefined;
  busy: boolean;
  /** The batch that failed last: the same range comes again once `retryAt` has passed. */
  failed?: { to: number; attempt: number; retryAt: number };
}

/** A consumer group on the embedded bus: membership, partition assignment, offsets, dispatch. */
export class EmbeddedGroup {
  private readonly members = new Set<GroupMember>();
  private readonly partitions = new Map<string, GroupPartition>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private memberSeq = 0;
  private rotation = 0;
  private pumpQueued = false;

  constructor(
    readonly groupId: string,
    private readonly host: GroupHost,
  ) {}

  /** The group's committed offset for a partition, or undefined when it does not read that topic. */
  committedOffset(topic: string, partition: number): number | undefined {
    return this.partitions.get(key(topic, partition))?.committed;
  }

  join(options: SubscribeOptions): GroupMember {
    for (const topic of options.topics) this.track(topic, options.fromBeginning ?? true);
    const member: GroupMember = {
      seq: this.memberSeq++,
      topics: new Set(options.topics),
      eachBatch: options.eachBatch,
      concurrency: Math.max(1, options.partitionsConsumedConcurrently ?? 1),
      inFlight: new Set(),
      leaving: false,
    };
    this.members.add(member);
    this.rebalance();
    return member;
  }

  /**
   * Hands the member's partitions to the others at once; a partition whose batch is still in flight
   * goes out only after that batch has finished and committed, so no two members ever hold it.
   */
  async leave(member: GroupMember): Promise<void> {
    if (!this.members.has(member)) return;
    member.leaving = true;
    this.rebalance();
    while (member.inFlight.size > 0) await Promise.allSettled([...member.inFlight]);
    this.members.delete(member);
  }

  /** New records, a finished batch, an expired back-off or a new member: look for work. */
  wake(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Cancels back-off timers; members are expected to have left. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private track(topic: string, fromBeginning: boolean): void {
    this.host.partitionsOf(topic).forEach((log, partition) => {
      const id = key(topic, partition);
      if (this.partitions.has(id)) return;
      // Like Kafka's auto.offset.reset, this only applies to a group that has no offset yet.
      const committed = fromBeginning ? log.startOffset : log.endOffset;
      this.partitions.set(id, { topic, partition, committed, owner: undefined, busy: false });
    });
  }

  /** Round-robin over the sorted partitions, each going to the next member that reads its topic. */
  private rebalance(): void {
    const active = [...this.members].filter((member) => !member.leaving).sort((a, b) => a.seq - b.seq);
    const sorted = [...this.partitions.values()].sort(
      (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition,
    );
    let turn = 0;
    for (const entry of sorted) {
      const readers = active.filter((member) => member.topics.has(entry.topic));
      entry.owner = readers.length > 0 ? readers[turn++ % readers.length] : undefined;
    }
    this.wake();
  }

  private pump(): void {
    const now = Date.now();
    const entries = [...this.partitions.values()];
    // Start where the last pump left off, so a busy partition cannot starve the others.
    const start = this.rotation;
    for (let i = 0; i < entries.length; i += 1) {
      const entry = entries[(start + i) % entries.length]!;
      const member = entry.owner;
      if (!member || member.leaving || entry.busy || member.inFlight.size >= member.concurrency) continue;
      if (entry.failed && entry.failed.retryAt > now) continue;
      const records = this.nextBatch(entry);
      if (records.length === 0) continue;
      this.rotation = (start + i + 1) % entries.length;
      this.deliver(member, entry, records);
    }
  }

  private nextBatch(entry: GroupPartition): StoredRecord[] {
    const log = this.host.partitionsOf(entry.topic)[entry.partition];
    if (!log) return [];
    if (entry.committed < log.startOffset) {
      this.host.logger.warn(
        {
          groupId: this.groupId,
          topic: entry.topic,
          partition: entry.partition,
          lost: log.startOffset - entry.committed,
        },
        'records dropped by the retention cap before this group read them',
      );
      entry.committed = log.startOffset;
      entry.failed = undefined;
    }
    const to = entry.failed?.to ?? entry.committed + this.host.maxBatchSize;
    return log.read(entry.committed, to);
  }

  private deliver(member: GroupMember, entry: GroupPartition, records: StoredRecord[]): void {
    entry.busy = true;
    const batch: IncomingBatch = {
      topic: entry.topic,
      partition: entry.partition,
      messages: records.map((record) => ({
        topic: entry.topic,
        partition: entry.partition,
        offset: String(record.offset),
        key: record.key,
        value: record.value,
        headers: { ...record.headers },
        timestamp: record.timestamp,
      })),
      heartbeat: async () => undefined,
    };
    const to = records[records.length - 1]!.offset + 1;
    const run: Promise<void> = this.handle(member, entry, batch, to).finally(() => {
      entry.busy = false;
      member.inFlight.delete(run);
      this.wake();
    });
    member.inFlight.add(run);
  }

  /** Never rejects: a failure is recorded on the partition for the back-off. */
  private async handle(
    member: GroupMember,
    entry: GroupPartition,
    batch: IncomingBatch,
    to: number,
  ): Promise<void> {
    try {
      await member.eachBatch(batch);
    } catch (error) {
      this.onFailure(entry, to, error);
      return;
    }
    entry.committed = Math.max(entry.committed, to);
    entry.failed = undefined;
    this.host.committed(entry.topic, entry.partition);
  }

  private onFailure(entry: GroupPartition, to: number, error: unknown): void {
    const attempt = (entry.failed?.attempt ?? 0) + 1;
    const delayMs = backoffDelay(attempt, this.host.retryBackoff);
    const failed = { to, attempt, retryAt: Date.now() + delayMs };
    entry.failed = failed;
    this.host.logger.warn(
      {
        err: error,
        groupId: this.groupId,
        topic: entry.topic,
        partition: entry.partition,
        firstOffset: entry.committed,
        attempt,
        delayMs,
      },
      'batch handler failed; the batch will be delivered again after a back-off',
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // Timers may fire a millisecond before Date.now() reaches retryAt; the timer decides.
      failed.retryAt = 0;
      this.wake();
    }, delayMs);
    this.timers.add(timer);
  }
}

function key(topic: string, partition: number): string {
  return `${topic}|${partition}`;
}
