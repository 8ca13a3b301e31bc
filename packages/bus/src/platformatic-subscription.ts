import { Consumer, ListOffsetTimestamps, type GroupAssignment } from '@platformatic/kafka';
import type { Logger } from '@vigil/telemetry';
import { backoffDelay } from './backoff';
import { BusUnavailableError, type IncomingBatch, type SubscribeOptions, type Subscription } from './bus';
import { PlatformaticCommits } from './platformatic-commits';
import {
  assignAfterMetadataRoundTrip,
  FETCH_MAX_BYTES,
  FETCH_RETRY_MS,
  PARTITION_MAX_BYTES,
  type PlatformaticConsumerSettings,
} from './platformatic-settings';
import { batchRewinder } from './rewind-target';
import {
  acceptFetch,
  rewindLookups,
  newPartitionState,
  OFFSET_OUT_OF_RANGE,
  partitionKey,
  seek,
  type FetchedPartition,
  type PartitionState,
} from './platformatic-partitions';

/**
 * One member of a consumer group on @platformatic/kafka. The library keeps the membership (join,
 * sync, heartbeats on their own timer, rejoin after a rebalance); this class owns what kafkajs's
 * `run` did: where each assigned partition stands, fetching (one request in flight per broker,
 * fetching a partition's next records while its current batch is being handled), handing batches
 * to `eachBatch` one partition at a time, committing after the handler resolved, and the back-off
 * of a failing partition while the others keep flowing.
 */
export class PlatformaticSubscription implements Subscription {
  private readonly consumer: Consumer;
  private readonly log: Logger;
  private readonly partitions = new Map<string, PartitionState>();
  private readonly fetching = new Set<number>();
  private readonly fetchRetryAt = new Map<number, number>();
  private readonly concurrency: number;
  private running = 0;
  private idle: (() => void) | undefined;
  private pumpTimer: NodeJS.Timeout | undefined;
  private positions: Promise<void> = Promise.resolve();
  private readonly commits: PlatformaticCommits;
  private rejoinTimer: NodeJS.Timeout | undefined;
  private rejoinAttempts = 0;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly options: SubscribeOptions,
    private readonly settings: PlatformaticConsumerSettings,
    logger: Logger,
    private readonly onStopped: (subscription: PlatformaticSubscription) => void,
  ) {
    this.log = logger.child({ groupId: options.groupId, topics: options.topics });
    this.concurrency = Math.max(1, options.partitionsConsumedConcurrently ?? 1);
    this.consumer = new Consumer({
      ...settings.connection,
      groupId: options.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      rebalanceTimeout: settings.rebalanceTimeoutMs,
      maxWaitTime: settings.maxWaitTimeMs,
      retries: 5,
      retryDelay: 300,
      partitionAssigner: assignAfterMetadataRoundTrip(() => this.consumer),
    });
    this.commits = new PlatformaticCommits(
      (offsets) => this.consumer.commit({ offsets }),
      (topic, partition) => this.partitions.has(partitionKey(topic, partition)),
      this.log,
      settings.sessionTimeoutMs,
    );
    this.consumer.on('consumer:group:join', ({ assignments }) => this.onAssigned(assignments ?? []));
    // A rejoin that failed leaves the member out of its group: join again rather than go silent.
    this.consumer.on('error', (error: Error) => this.onGroupError(error));
  }

  /** Resolves once this member has joined the group and knows where its partitions stand. */
  async start(): Promise<void> {
    try {
      for (const topic of this.options.topics) this.consumer.topics.track(topic);
      await this.consumer.metadata({ topics: this.options.topics, autocreateTopics: true });
      await this.joinWithRetries();
      await this.positions;
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw new BusUnavailableError(`could not join consumer group ${this.options.groupId}`, {
        cause: error,
      });
    }
  }

  /** Stops fetching, lets the batches in flight finish and commit, then leaves the group. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /**
   * A join can fail where a retry succeeds: a broker that is still electing the group coordinator,
   * or librdkafka's mock broker when a follower's SyncGroup lost the race described above.
   */
  private async joinWithRetries(attempts = 5): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.join();
        return;
      } catch (error) {
        if (attempt >= attempts || this.stopping) throw error;
        this.log.warn({ err: error, attempt }, 'could not join the consumer group; trying again');
        await new Promise((resolve) =>
          setTimeout(resolve, backoffDelay(attempt, this.settings.retryBackoff)),
        );
      }
    }
  }

  private join(): Promise<string> {
    return this.consumer.joinGroup({
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: this.settings.heartbeatIntervalMs,
      rebalanceTimeout: this.settings.rebalanceTimeoutMs,
    });
  }

  private onGroupError(error: Error): void {
    if (this.stopping) return;
    this.log.error({ err: error }, 'kafka consumer lost its group; joining again');
    clearTimeout(this.rejoinTimer);
    this.rejoinAttempts += 1;
    this.rejoinTimer = setTimeout(
      () => {
        if (this.stopping || this.consumer.isActive()) return;
        this.join().then(
          () => (this.rejoinAttempts = 0),
          (rejoinError: unknown) => this.onGroupError(rejoinError as Error),
        );
      },
      backoffDelay(this.rejoinAttempts, this.settings.retryBackoff),
    );
  }

  /** A new generation: drop revoked partitions, look up where newly assigned ones resume. */
  private onAssigned(assignments: GroupAssignment[]): void {
    const assigned = new Set<string>();
    const added: PartitionState[] = [];
    for (const { topic, partitions } of assignments) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        assigned.add(key);
        if (!this.partitions.has(key)) {
          const state = newPartitionState(topic, partition);
          this.partitions.set(key, state);
          added.push(state);
        }
      }
    }
    for (const [key, state] of this.partitions) {
      if (assigned.has(key)) continue;
      clearTimeout(state.timer);
      this.partitions.delete(key);
      this.commits.forget(key);
    }
    this.log.info({ assigned: [...assigned] }, 'joined consumer group');
    if (added.length > 0) this.positions = this.loadPositions(added);
  }

  private async loadPositions(states: PartitionState[], attempt = 1): Promise<void> {
    const byTopic = new Map<string, number[]>();
    for (const state of states)
      byTopic.set(state.topic, [...(byTopic.get(state.topic) ?? []), state.partition]);
    try {
      const committed = await this.consumer.listCommittedOffsets({
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      });
      const latest =
        this.options.fromBeginning === false ? await this.latestOffsets([...byTopic.keys()]) : undefined;
      for (const state of states) {
        if (this.partitions.get(state.key) !== state) continue; // revoked meanwhile
        const offset = committed.get(state.topic)?.[state.partition] ?? -1n;
        // Nothing committed: from the start (a fetch below the log start is moved up to it) or the end.
        state.position = offset >= 0n ? offset : (latest?.get(state.topic)?.[state.partition] ?? 0n);
      }
      this.pump();
    } catch (error) {
      if (this.stopping) return;
      this.log.warn({ err: error, attempt }, 'could not read committed offsets; trying again');
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, this.settings.retryBackoff)));
      if (!this.stopping) await this.loadPositions(states, attempt + 1);
    }
  }

  private latestOffsets(topics: string[]) {
    return this.consumer.listOffsets({ topics, timestamp: ListOffsetTimestamps.LATEST });
  }

  /** Sends a fetch to every broker that has none in flight and leads a partition with room to fetch. */
  private pump(): void {
    if (this.stopping) return;
    const now = Date.now();
    const metadata = this.consumer.currentMetadata;
    if (!metadata) {
      this.consumer.metadata({ topics: this.options.topics }).then(
        () => this.pump(),
        (error: unknown) => this.log.warn({ err: error }, 'kafka metadata unavailable'),
      );
      return;
    }
    const byNode = new Map<number, PartitionState[]>();
    let wakeAt = Infinity;
    for (const state of this.partitions.values()) {
      if (state.position === undefined || state.buffered.length > 0) continue;
      if (state.retryAt > now) {
        wakeAt = Math.min(wakeAt, state.retryAt);
        continue;
      }
      const leader = metadata.topics.get(state.topic)?.partitions[state.partition]?.leader ?? -1;
      if (this.fetching.has(leader)) continue;
      const retryAt = this.fetchRetryAt.get(leader) ?? 0;
      if (retryAt > now) {
        wakeAt = Math.min(wakeAt, retryAt);
        continue;
      }
      byNode.set(leader, [...(byNode.get(leader) ?? []), state]);
    }
    for (const [node, states] of byNode) void this.fetchFrom(node, states);
    if (wakeAt !== Infinity) {
      clearTimeout(this.pumpTimer);
      this.pumpTimer = setTimeout(() => this.pump(), Math.max(wakeAt - now, 1));
    }
  }

  private async fetchFrom(node: number, states: PartitionState[]): Promise<void> {
    this.fetching.add(node);
    const requested = new Map<string, FetchedPartition>();
    const topicsById = new Map<string, string>();
    try {
      const metadata = await this.consumer.metadata({ topics: this.options.topics });
      const byTopic = new Map<string, PartitionState[]>();
      for (const state of states) byTopic.set(state.topic, [...(byTopic.get(state.topic) ?? []), state]);
      const topics = [...byTopic].map(([topic, list]) => {
        const topicId = metadata.topics.get(topic)?.id ?? topic;
        topicsById.set(topicId, topic);
        return {
          topicId,
          partitions: list.map((state) => {
            const offset = state.position ?? 0n;
            requested.set(state.key, { state, offset, epoch: state.epoch });
            const fetchPartition = {
              partition: state.partition,
              fetchOffset: offset,
              partitionMaxBytes: PARTITION_MAX_BYTES,
            };
            return { ...fetchPartition, currentLeaderEpoch: -1, lastFetchedEpoch: -1 };
          }),
        };
      });
      if (node < 0 || topicsById.size !== byTopic.size) {
        this.consumer.clearMetadata(); // no leader known yet, or topics sharing an id: look again
        throw new Error(`no usable metadata for ${[...byTopic.keys()].join(', ')}`);
      }
      const response = await this.consumer.fetch({
        node,
        topics,
        maxWaitTime: this.settings.maxWaitTimeMs,
        maxBytes: FETCH_MAX_BYTES,
      });
      this.resetOutOfRange(acceptFetch(response, topicsById, requested));
    } catch (error) {
      const answer = (error as { response?: Parameters<typeof acceptFetch>[0] }).response;
      const failed = answer?.responses ? acceptFetch(answer, topicsById, requested) : [];
      if (!this.stopping && !this.resetOutOfRange(failed)) {
        this.log.warn({ err: error, node }, 'kafka fetch failed; trying again');
        this.fetchRetryAt.set(node, Date.now() + FETCH_RETRY_MS);
      }
    } finally {
      this.fetching.delete(node);
    }
    this.dispatch();
    this.pump();
  }

  /** A position outside the log (retention removed it, or the log was truncated): resume at its nearest end. */
  private resetOutOfRange(failed: ReturnType<typeof acceptFetch>): boolean {
    let reset = false;
    for (const { fetched, errorCode, logStartOffset, highWatermark } of failed) {
      if (errorCode !== OFFSET_OUT_OF_RANGE) continue;
      const to = fetched.offset < logStartOffset ? logStartOffset : highWatermark;
      if (fetched.offset !== 0n) {
        const { topic, partition } = fetched.state;
        this.settings.onOffsetOutOfRange?.({ topic, partition, groupId: this.options.groupId });
        const moved = { from: fetched.offset.toString(), to: to.toString() };
        this.log.warn({ topic, partition, ...moved }, 'offset out of range, resetting');
      }
      seek(fetched.state, to);
      reset = true;
    }
    return reset;
  }

  /** Hands buffered batches to the handler, at most `partitionsConsumedConcurrently` at once. */
  private dispatch(): void {
    if (this.stopping) return;
    const now = Date.now();
    for (const state of this.partitions.values()) {
      if (this.running >= this.concurrency) return;
      if (state.running || state.buffered.length === 0 || state.retryAt > now) continue;
      void this.handle(state);
    }
  }

  private async handle(state: PartitionState): Promise<void> {
    const messages = state.buffered;
    state.buffered = [];
    state.running = true;
    this.running += 1;
    this.pump(); // fetch this partition's next records while these are handled
    const epoch = state.epoch;
    const first = messages[0]!.offset;
    const last = messages[messages.length - 1]!.offset;
    let rewound = false;
    const batch: IncomingBatch = {
      topic: state.topic,
      partition: state.partition,
      messages,
      // The library heartbeats on its own timer, whatever the handler does.
      heartbeat: () => Promise.resolve(),
      rewind: batchRewinder(
        { topic: state.topic, partition: state.partition, firstOffset: first },
        rewindLookups(this.consumer, state),
        this.log,
        (at) => {
          rewound = true;
          seek(state, at);
        },
      ),
    };
    let failure: { error: unknown } | undefined;
    try {
      await this.options.eachBatch(batch);
    } catch (error) {
      failure = { error };
    }
    try {
      if (failure) this.onFailure(state, first, messages.length, failure.error);
      else {
        state.attempt = 0;
        state.failedFirstOffset = undefined;
        if (!rewound && state.epoch === epoch) await this.commit(state, BigInt(last) + 1n);
      }
    } finally {
      state.running = false;
      this.running -= 1;
      if (this.running === 0) this.idle?.();
    }
    this.dispatch();
    this.pump();
  }

  private onFailure(state: PartitionState, first: string, size: number, error: unknown): void {
    const attempt = state.failedFirstOffset === first ? state.attempt + 1 : 1;
    const delayMs = backoffDelay(attempt, this.settings.retryBackoff);
    state.attempt = attempt;
    state.failedFirstOffset = first;
    state.retryAt = Date.now() + delayMs;
    if (this.partitions.get(state.key) === state) seek(state, BigInt(first));
    this.log.warn(
      {
        err: error,
        topic: state.topic,
        partition: state.partition,
        firstOffset: first,
        size,
        attempt,
        delayMs,
      },
      'batch handler failed; the batch will be delivered again after a back-off',
    );
  }

  private commit(state: PartitionState, offset: bigint): Promise<void> {
    return this.commits.commit(state.key, { topic: state.topic, partition: state.partition, offset });
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.pumpTimer);
    clearTimeout(this.rejoinTimer);
    for (const state of this.partitions.values()) clearTimeout(state.timer);
    try {
      if (this.running > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      await this.commits.drained();
      await this.consumer.close(true);
    } finally {
      this.onStopped(this);
    }
  }
}
