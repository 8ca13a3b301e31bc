import { ConfigError } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';

/** The Redis calls the guard makes; an ioredis client satisfies this. */
export interface LayoutRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[string, string[]]>;
  unlink(...keys: string[]): Promise<number>;
}

export interface TopicLayoutGuardOptions {
  redis: LayoutRedis;
  /** The detector's key prefix: the layout is recorded beside the state it describes, and dies with it. */
  keyPrefix: string;
  topic: string;
  /** The topic's partition count now, read from Kafka. */
  partitions: number;
  /**
   * The operator's consent to a new count (DETECTOR_ACCEPT_PARTITIONS): equal to `partitions`, the state
   * built for the old count is dropped and rebuilt from the topic; anything else changes nothing.
   */
  accept?: number;
  logger: Logger;
}

export type TopicLayoutOutcome = 'recorded' | 'unchanged' | 'rebuilding';

/** Glob characters of a SCAN pattern, escaped so the prefix matches only itself. */
function literal(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

async function dropState(redis: LayoutRedis, keyPrefix: string): Promise<number> {
  let cursor = '0';
  let dropped = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${literal(keyPrefix)}*`, 'COUNT', 1000);
    if (keys.length > 0) dropped += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  return dropped;
}

/**
 * Refuses to run the detector on an events topic whose partition count differs from the one its Redis
 * state was built for. Events are keyed by entity; more (or fewer) partitions move entities between
 * partitions, so for a while one entity's events arrive on two partitions in no order, and the
 * per-partition rebuild markers vouch for partitions that no longer hold what they held. The first
 * start records the count; a later start with another count stops with a ConfigError (exit 2) naming
 * both and the way out: `DETECTOR_ACCEPT_PARTITIONS=<new count>` drops the detector's state, which the
 * detectors then rebuild from the topic (the Redis-loss path: each partition replays its horizon).
 */
export async function guardTopicLayout(options: TopicLayoutGuardOptions): Promise<TopicLayoutOutcome> {
  const { redis, keyPrefix, topic, partitions, accept, logger } = options;
  const key = `${keyPrefix}layout:${topic}`;
  const recorded = await redis.get(key);
  const built = recorded === null ? undefined : Number((JSON.parse(recorded) as { partitions?: unknown }).partitions);
  if (built === partitions) return 'unchanged';
  if (built === undefined || !Number.isInteger(built)) {
    await redis.set(key, JSON.stringify({ topic, partitions }));
    return 'recorded';
  }
  if (accept !== partitions) {
    throw new ConfigError([
      `${topic} has ${partitions} partitions, but the detector state under ${keyPrefix} was built for ${built}: ` +
        `entities would move between partitions mid-window. Restore ${built} partitions, or start the detector ` +
        `once with DETECTOR_ACCEPT_PARTITIONS=${partitions} to drop that state and rebuild it from the topic ` +
        `(it replays DETECTOR_REBUILD_HORIZON_MS of events).`,
    ]);
  }
  const dropped = await dropState(redis, keyPrefix);
  await redis.set(key, JSON.stringify({ topic, partitions }));
  logger.warn({ topic, from: built, to: partitions, keysDropped: dropped }, 'partition count changed with consent: detector state dropped, rebuilding from the topic');
  return 'rebuilding';
}
