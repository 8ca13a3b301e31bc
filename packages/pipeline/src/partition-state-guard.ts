import type { IncomingBatch } from '@vigil/bus';
import { StateEpoch } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import type { OffsetIndex } from './offset-index';

/** The Redis calls the guard makes; an ioredis client satisfies this. */
export interface GuardRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, mode: 'NX'): Promise<'OK' | null>;
  set(key: string, value: string): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  del(key: string): Promise<number>;
}

export interface PartitionStateGuardOptions {
  redis: GuardRedis;
  /** The detector's key prefix: markers live beside the state they vouch for, and die with it. */
  keyPrefix: string;
  /** The state epoch key shared by the detectors of this key prefix. Default `<keyPrefix>state-epoch`. */
  epochKey?: string;
  /** How far back a rebuild replays: the longest window (plus lateness) of any rule. */
  horizonMs: number;
  /**
   * Where each partition was, and when (`OffsetIndex`): a rebuild replays from the last indexed offset at or
   * before the horizon, which needs nothing of the broker; without an entry there, Kafka's lookup by time.
   */
  offsetIndex?: Pick<OffsetIndex, 'note' | 'offsetAtOrBefore'>;
  /** How often the epoch is compared while batches flow. Default 5000. */
  epochCheckMs?: number;
  logger: Logger;
  now?: () => number;
}

interface Marker {
  epoch: string;
  /** The offset at which the loss was found: state is complete once the replay passes it. */
  lossOffset: bigint;
  done: boolean;
}

/**
 * Rebuilds window state that Redis lost, from the events topic (the source of truth), per partition.
 *
 * Beside its state, each partition has a marker naming the Redis epoch its state belongs to. A batch
 * whose partition has no marker for the current epoch — Redis restarted empty, failed over, evicted —
 * does not run on the empty state: the partition is rewound to the rebuild horizon (the last offset the
 * offset index holds at or before it, else Kafka's first offset stamped after it) and replayed (every
 * effect downstream is idempotent: detections keep their ids), and the marker records the offset where
 * the loss was found. Until the replay passes that offset the marker stays `pending`, so a process
 * that takes the partition over before any replayed batch committed rewinds it again rather than
 * skipping the replay. A brand-new deployment has nothing before its first batch, so nothing replays.
 * While any replay is pending, `rebuilding()` is true for every detector on this Redis: deadline ticks
 * wait, so that a timer re-armed from an old event does not fire before the replay reaches the events
 * that re-armed it later.
 */
export class PartitionStateGuard {
  private readonly epoch: StateEpoch;
  private readonly now: () => number;
  private readonly checkEveryMs: number;
  private lastCheck = 0;
  private checking: Promise<void> | undefined;
  /** Partitions whose marker this process read for the current epoch. */
  private readonly known = new Map<string, Marker>();
  /** Partitions this process saw replaying (a batch before the loss offset) in the current epoch. */
  private readonly replaying = new Set<string>();

  constructor(private readonly options: PartitionStateGuardOptions) {
    this.epoch = new StateEpoch(options.redis, options.epochKey ?? `${options.keyPrefix}state-epoch`);
    this.now = options.now ?? Date.now;
    this.checkEveryMs = options.epochCheckMs ?? 5000;
  }

  /**
   * True when the batch may be processed; false when its partition was rewound for a rebuild (the
   * handler returns without processing, and the replay arrives as later batches).
   */
  async admit(batch: IncomingBatch): Promise<boolean> {
    const epoch = await this.currentEpoch();
    const first = batch.messages[0];
    const last = batch.messages[batch.messages.length - 1];
    if (!first || !last) return true;
    // Only a bus that can replay needs to know where to replay from.
    if (batch.rewind) await this.options.offsetIndex?.note(batch.topic, batch.partition, first.offset);
    const id = `${batch.topic}:${batch.partition}`;
    const key = this.markerKey(id);
    let marker = this.known.get(id);
    if (!marker || marker.epoch !== epoch) {
      marker = parseMarker(await this.options.redis.get(key));
      if (marker?.epoch !== epoch) marker = undefined;
    }
    if (!marker) return this.startRebuild(batch, id, epoch, BigInt(first.offset));
    this.known.set(id, marker);
    if (marker.done) return true;

    if (BigInt(first.offset) < marker.lossOffset) this.replaying.add(id);
    else if (!this.replaying.has(id)) {
      // Pending, but this process never saw the replay: it was taken over before any replayed batch committed.
      return this.startRebuild(batch, id, epoch, marker.lossOffset);
    }
    await this.markRebuilding();
    if (BigInt(last.offset) + 1n >= marker.lossOffset) {
      const done: Marker = { ...marker, done: true };
      await this.options.redis.set(key, formatMarker(done));
      this.known.set(id, done);
      this.replaying.delete(id);
      // Other detectors still replaying set it again with their next batch.
      if (this.replaying.size === 0) await this.options.redis.del(this.rebuildingKey());
      this.options.logger.warn(
        { partition: id, epoch },
        'detector state rebuilt: the replay reached the offset where the loss was found',
      );
    }
    return true;
  }

  /**
   * The connection to Redis dropped: whatever comes back may be a Redis that restarted empty. The next
   * batch checks the epoch and re-reads its marker before it runs, instead of trusting what this process
   * saw up to `epochCheckMs` ago (a batch retried right after a restart would otherwise count on empty
   * state and commit: the windows of the events before the loss gone, silently, until a later batch).
   */
  connectionLost(): void {
    this.lastCheck = Number.NEGATIVE_INFINITY;
    this.known.clear();
  }

  /** True while some detector on this Redis is replaying a partition to rebuild its state. */
  async rebuilding(): Promise<boolean> {
    return (await this.options.redis.get(this.rebuildingKey())) !== null;
  }

  private async startRebuild(
    batch: IncomingBatch,
    id: string,
    epoch: string,
    lossOffset: bigint,
  ): Promise<boolean> {
    const first = batch.messages[0]?.offset ?? '0';
    const fromMs = this.now() - this.options.horizonMs;
    if (!batch.rewind) {
      // The embedded bus keeps its log in memory: there is nothing older to replay.
      this.options.logger.debug({ partition: id }, 'partition state starts here (this bus cannot replay)');
      await this.options.redis.set(this.markerKey(id), formatMarker({ epoch, lossOffset, done: true }));
      return true;
    }
    // Pending before the rewind: a crash in between leaves a marker that makes the next owner rewind again.
    await this.options.redis.set(this.markerKey(id), formatMarker({ epoch, lossOffset, done: false }));
    const indexed = await this.indexedOffset(batch, fromMs);
    const from = await batch.rewind(fromMs, indexed);
    const done = BigInt(from) >= lossOffset;
    if (done)
      await this.options.redis.set(this.markerKey(id), formatMarker({ epoch, lossOffset, done: true }));
    this.known.set(id, { epoch, lossOffset, done });
    if (done) {
      this.replaying.delete(id);
      this.options.logger.info(
        { partition: id, epoch, offset: first },
        'partition state starts here: nothing earlier to replay',
      );
      return true;
    }
    this.replaying.add(id);
    await this.markRebuilding();
    this.options.logger.error(
      {
        partition: id,
        epoch,
        from,
        via: indexed === undefined ? 'offset lookup by time' : 'offset index',
        lossOffset: lossOffset.toString(),
        horizonFrom: new Date(fromMs).toISOString(),
      },
      'detector state lost: replaying the partition from the rebuild horizon',
    );
    return false;
  }

  /** The offset index's answer; none when it has no entry that old or cannot be read (then Kafka is asked by time). */
  private async indexedOffset(batch: IncomingBatch, fromMs: number): Promise<string | undefined> {
    try {
      return await this.options.offsetIndex?.offsetAtOrBefore(batch.topic, batch.partition, fromMs);
    } catch (error) {
      this.options.logger.warn(
        { err: error, topic: batch.topic, partition: batch.partition },
        'offset index not readable; the replay starts where Kafka finds the horizon by time',
      );
      return undefined;
    }
  }

  private markRebuilding(): Promise<unknown> {
    return this.options.redis.set(this.rebuildingKey(), String(this.now()), 'PX', 30_000);
  }

  private async currentEpoch(): Promise<string> {
    if (this.epoch.current === undefined || this.now() - this.lastCheck >= this.checkEveryMs) {
      this.checking ??= this.check().finally(() => (this.checking = undefined));
      await this.checking;
    }
    return this.epoch.current ?? '';
  }

  private async check(): Promise<void> {
    const result = await this.epoch.check();
    this.lastCheck = this.now();
    if (result.status === 'changed') {
      this.known.clear();
      this.replaying.clear();
      this.options.logger.error(
        { epoch: result.epoch, previous: result.previous },
        'Redis state epoch changed: the detector state was lost; partitions are replayed as their batches arrive',
      );
    }
  }

  private markerKey(id: string): string {
    return `${this.options.keyPrefix}state-marker:${id}`;
  }

  private rebuildingKey(): string {
    return `${this.options.keyPrefix}state-rebuilding`;
  }
}

function formatMarker(marker: Marker): string {
  return `${marker.done ? 'done' : 'pending'}|${marker.lossOffset}|${marker.epoch}`;
}

function parseMarker(value: string | null): Marker | undefined {
  if (!value) return undefined;
  const [state, offset, ...epoch] = value.split('|');
  if ((state !== 'done' && state !== 'pending') || !offset || !/^\d+$/.test(offset)) return undefined;
  return { done: state === 'done', lossOffset: BigInt(offset), epoch: epoch.join('|') };
}
