import type { Logger } from '@vigil/telemetry';
import type { IncomingBatch } from './bus';

/** How one Kafka client answers the questions a rewind asks about a partition. */
export interface RewindLookups {
  /** The first offset stamped at or after a time (Kafka ListOffsets); -1 when there is none. */
  offsetAt(timeMs: number): Promise<bigint>;
  /** The partition's log start: nothing before it can be fetched any more. */
  logStart(): Promise<bigint>;
}

/**
 * Where a batch's partition is to be fetched from again (`IncomingBatch.rewind`): `fromOffset` when the
 * caller knows it, else the first offset stamped at or after `toTimeMs`, and never below the log start (a
 * seek there is answered "offset out of range" and reset by the consumer). Undefined when that is not
 * before the batch's first record: nothing earlier to replay, the batch goes on.
 */
export async function rewindTarget(
  batch: { topic: string; partition: number; firstOffset: string },
  toTimeMs: number,
  fromOffset: string | undefined,
  lookups: RewindLookups,
  logger: Logger,
): Promise<bigint | undefined> {
  const first = BigInt(batch.firstOffset);
  let at = fromOffset === undefined ? await lookups.offsetAt(toTimeMs) : BigInt(fromOffset);
  if (at < 0n || at >= first) return undefined;
  const low = await lookups.logStart();
  if (at < low) {
    logger.warn(
      { topic: batch.topic, partition: batch.partition, wanted: at.toString(), logStart: low.toString() },
      'replay starts at the log start: older records were deleted by retention',
    );
    at = low;
  }
  return at < first ? at : undefined;
}

/**
 * `IncomingBatch.rewind` for one batch: finds the target and, when it is before the batch, hands it to
 * `seek` (the client sends the partition back there) and answers it; otherwise answers the batch's
 * first offset and the batch goes on.
 */
export function batchRewinder(
  batch: { topic: string; partition: number; firstOffset: string },
  lookups: RewindLookups,
  logger: Logger,
  seek: (at: bigint) => void,
): NonNullable<IncomingBatch['rewind']> {
  return async (toTimeMs, fromOffset) => {
    const at = await rewindTarget(batch, toTimeMs, fromOffset, lookups, logger);
    if (at === undefined) return batch.firstOffset;
    seek(at);
    return at.toString();
  };
}
