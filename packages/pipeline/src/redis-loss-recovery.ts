import { errorMessage, type StateEpoch } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { runEvery } from '@vigil/runtime';

export interface RedisLossRecoveryOptions {
  /** Shared by every process on the same Redis (`STATE_EPOCH_KEY`). */
  epoch: StateEpoch;
  /** Rebuilds what lived in Redis from the register; idempotent, so running it when nothing was lost is harmless. */
  recover(reason: 'start' | 'state-lost'): Promise<void>;
  intervalMs: number;
  logger: Logger;
}

export interface RedisLossRecovery {
  /** Idempotent; waits for a recovery in progress. */
  stop(): Promise<void>;
}

/**
 * Recovers once at start (Redis may have been emptied while nothing was running), then checks the state epoch
 * every `intervalMs` and recovers again whenever it changed: Redis restarted without persistence, failed over
 * to an empty replica, or evicted the key. A recovery that fails is tried again at the next check.
 */
export async function startRedisLossRecovery(options: RedisLossRecoveryOptions): Promise<RedisLossRecovery> {
  const { epoch, logger } = options;
  await epoch.check();
  await options.recover('start');

  let owed = false;
  const tick = async (): Promise<void> => {
    try {
      const check = await epoch.check();
      if (check.status === 'changed') {
        logger.error(
          { epoch: check.epoch, previous: check.previous },
          'Redis lost its state: re-arming response timers and re-sending pending notifications from the register',
        );
        owed = true;
      }
    } catch (error) {
      // Redis unreachable: nothing can be rebuilt in it now; the next check sees whether it came back empty.
      logger.warn({ err: errorMessage(error) }, 'state epoch check failed; will check again');
      return;
    }
    if (!owed) return;
    try {
      await options.recover('state-lost');
      owed = false;
    } catch (error) {
      logger.error({ err: error }, 'recovery after Redis state loss failed; will try again');
    }
  };
  return runEvery(options.intervalMs, tick);
}
