import { ListOffsetTimestamps, type Consumer } from '@platformatic/kafka';
import type { IncomingMessage } from './bus';
import type { RewindLookups } from './rewind-target';

/** Where one assigned partition stands in this member. */
export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  /** Next offset to fetch; undefined until the committed offset is known. */
  position: bigint | undefined;
  /** Fetched ahead, not yet handed to the handler. */
  buffered: IncomingMessage[];
  running: boolean;
  /** Bumped at every seek (failure, rewind, offset reset): a fetch answer sent before it is dropped. */
  epoch: number;
  attempt: number;
  failedFirstOffset: string | undefined;
  retryAt: number;
  timer: NodeJS.Timeout | undefined;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}|${partition}`;
}

export function newPartitionState(topic: string, partition: number): PartitionState {
  return {
    topic,
    partition,
    key: partitionKey(topic, partition),
    position: undefined,
    buffered: [],
    running: false,
    epoch: 0,
    attempt: 0,
    failedFirstOffset: undefined,
    retryAt: 0,
    timer: undefined,
  };
}

/** Moves a partition to `offset`, dropping what was fetched ahead and any fetch answer still on its way. */
export function seek(state: PartitionState, offset: bigint): void {
  state.position = offset;
  state.buffered = [];
  state.epoch += 1;
}

/** What one fetch asked for each partition, to tell a current answer from a stale one. */
export interface FetchedPartition {
  state: PartitionState;
  offset: bigint;
  epoch: number;
}

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

const CONTROL_BATCH = 0x20;
export const OFFSET_OUT_OF_RANGE = 1;

/**
 * Appends a fetch answer's records to the partitions' buffers and moves their positions past them.
 * Answers for partitions that were sought, revoked or re-assigned meanwhile are dropped. Returns
 * the partitions whose answer carried an error code.
 */
export function acceptFetch(
  response: FetchResponse,
  topicsById: Map<string, string>,
  requested: Map<string, FetchedPartition>,
): Array<{ fetched: FetchedPartition; errorCode: number; logStartOffset: bigint; highWatermark: bigint }> {
  const failed: Array<{
    fetched: FetchedPartition;
    errorCode: number;
    logStartOffset: bigint;
    highWatermark: bigint;
  }> = [];
  for (const topicResponse of response.responses) {
    const topic = topicsById.get(topicResponse.topicId);
    if (topic === undefined) continue;
    for (const answer of topicResponse.partitions) {
      const fetched = requested.get(partitionKey(topic, answer.partitionIndex));
      if (!fetched) continue;
      const { state } = fetched;
      if (state.epoch !== fetched.epoch || state.position !== fetched.offset) continue;
      if (answer.errorCode !== 0) {
        failed.push({
          fetched,
          errorCode: answer.errorCode,
          logStartOffset: answer.logStartOffset,
          highWatermark: answer.highWatermark,
        });
        continue;
      }
      let next = fetched.offset;
      for (const batch of answer.records ?? []) {
        const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
        if (last + 1n > next) next = last + 1n;
        if (batch.attributes & CONTROL_BATCH) continue;
        const firstTimestamp = Number(batch.firstTimestamp);
        for (const record of batch.records) {
          const offset = batch.firstOffset + BigInt(record.offsetDelta);
          if (offset < fetched.offset) continue; // the broker answers from the start of a batch
          state.buffered.push({
            topic,
            partition: state.partition,
            offset: offset.toString(),
            key: record.key === null ? null : record.key.toString('utf8'),
            value: record.value ?? Buffer.alloc(0),
            headers: headerMap(record.headers),
            timestamp: firstTimestamp + Number(record.timestampDelta),
          });
        }
      }
      state.position = next;
    }
  }
  return failed;
}

/** Kafka allows a header name to repeat; the bus contract is a string map, so the last one wins. */
function headerMap(headers: Array<[Buffer | null, Buffer | null]>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of headers)
    if (name) flat[name.toString('utf8')] = value ? value.toString('utf8') : '';
  return flat;
}

/** How a rewind looks a platformatic consumer's partition up (ListOffsets by time, and the log start). */
export function rewindLookups(consumer: Consumer, { topic, partition }: PartitionState): RewindLookups {
  const offsetAt = async (timestamp: bigint) =>
    (await consumer.listOffsets({ topics: [topic], partitions: { [topic]: [partition] }, timestamp })).get(
      topic,
    )?.[partition] ?? -1n;
  return {
    offsetAt: (timeMs) => offsetAt(BigInt(timeMs)),
    logStart: async () => {
      const low = await offsetAt(ListOffsetTimestamps.EARLIEST);
      return low < 0n ? 0n : low;
    },
  };
}
