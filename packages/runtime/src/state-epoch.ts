import { randomUUID } from 'node:crypto';

/** The two Redis commands the epoch needs; an ioredis client satisfies this. */
export interface EpochRedis {
  set(key: string, value: string, mode: 'NX'): Promise<'OK' | null>;
  get(key: string): Promise<string | null>;
}

/**
 * What a check found:
 * - `created`: the key was absent and this check wrote a new epoch. On a first install that is
 *   expected; where durable evidence says state existed before (committed offsets, open incidents),
 *   the caller must treat it as state lost.
 * - `same`: the epoch this watcher saw before is still there.
 * - `changed`: another epoch replaced the one this watcher saw (Redis restarted empty and some
 *   process wrote a new one): state kept in Redis before `previous` is gone.
 */
export type EpochCheck =
  | { status: 'created'; epoch: string }
  | { status: 'same'; epoch: string }
  | { status: 'changed'; epoch: string; previous: string };

/** The Redis key every Vigil process shares; a test passes its own. */
export const DEFAULT_STATE_EPOCH_KEY = 'vigil:state-epoch';

/**
 * Tells a process whether the Redis it keeps state in is still the one it wrote to. Redis loses
 * everything on a restart without persistence, a failover or an eviction; an empty Redis looks just
 * like a new one, so each process keeps the epoch it last saw and compares. Call `check()` at start
 * and periodically (and after reconnecting).
 */
export class StateEpoch {
  private seen: string | undefined;

  constructor(
    private readonly redis: EpochRedis,
    private readonly key: string = DEFAULT_STATE_EPOCH_KEY,
    private readonly newEpoch: () => string = () => `${new Date().toISOString()}/${randomUUID()}`,
  ) {}

  /** The epoch seen by the last check, if any. */
  get current(): string | undefined {
    return this.seen;
  }

  async check(): Promise<EpochCheck> {
    const existing = await this.redis.get(this.key);
    if (existing === null) {
      const fresh = this.newEpoch();
      const written = await this.redis.set(this.key, fresh, 'NX');
      // Another process may have written one between our GET and SET: adopt theirs.
      const epoch = written === 'OK' ? fresh : ((await this.redis.get(this.key)) ?? fresh);
      const previous = this.seen;
      this.seen = epoch;
      if (previous !== undefined) return { status: 'changed', epoch, previous };
      return written === 'OK' ? { status: 'created', epoch } : { status: 'same', epoch };
    }
    const previous = this.seen;
    this.seen = existing;
    if (previous === undefined || previous === existing) return { status: 'same', epoch: existing };
    return { status: 'changed', epoch: existing, previous };
  }
}
