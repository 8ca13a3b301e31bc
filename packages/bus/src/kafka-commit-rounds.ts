import type { Logger } from '@vigil/telemetry';

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Offset commits of a kafkajs member: partitions whose runs finished in the same turn of the event loop
 * go in one OffsetCommit request rather than one each. A failed commit is logged, not thrown: the records
 * come again to whoever holds the partition next (at-least-once), and the partition's next commit
 * carries a newer offset anyway.
 */
export class KafkaCommitRounds {
  private round: { offsets: Map<string, TopicPartitionOffset>; done: Promise<void> } | undefined;
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly send: (offsets: TopicPartitionOffset[]) => Promise<void>,
    private readonly log: Logger,
  ) {}

  /** Resolves once the request carrying this offset was answered (or failed, logged). */
  commit(entry: TopicPartitionOffset): Promise<void> {
    let round = this.round;
    if (!round) {
      const offsets = new Map<string, TopicPartitionOffset>();
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        if (this.round === round) this.round = undefined;
        try {
          await this.send([...offsets.values()]);
        } catch (error) {
          this.log.warn({ err: error, partitions: offsets.size }, 'offset commit failed');
        }
      });
      round = { offsets, done };
      this.round = round;
      this.last = done;
    }
    round.offsets.set(`${entry.topic}|${entry.partition}`, entry);
    return round.done;
  }

  /** The last request asked for so far has been answered. */
  drained(): Promise<void> {
    return this.last;
  }
}
