import { errorMessage } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * The stop signal and back-off a polling loop shares between its steps: sleeps end early on stop, and
 * each failure in a row doubles the wait up to `retry.maxMs` until a success resets it.
 */
export class PollControl {
  private readonly abort = new AbortController();
  private consecutiveFailures = 0;

  constructor(
    private readonly logger: Logger,
    private readonly retry: RetryPolicy,
    /** Counts each failure (the poller's stats). */
    private readonly onFailure: () => void,
  ) {}

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  stop(): void {
    this.abort.abort();
  }

  succeeded(): void {
    this.consecutiveFailures = 0;
  }

  /** Waits `ms`, or less when stopped meanwhile. */
  sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }

  /** Logs the failure and waits the next back-off step. */
  async backOff(what: string, error: unknown, level: 'warn' | 'error' = 'warn'): Promise<void> {
    this.onFailure();
    this.consecutiveFailures += 1;
    const waitMs = Math.min(this.retry.initialMs * 2 ** Math.min(this.consecutiveFailures - 1, 20), this.retry.maxMs);
    this.logger[level]({ err: errorMessage(error), attempt: this.consecutiveFailures, waitMs }, `${what}; retrying`);
    await this.sleep(waitMs);
  }
}

/**
 * Runs a poller's loop and hands back its stats and an idempotent `stop()` that ends the loop (sleeps
 * and requests are cut short) and waits for it. An unexpected error ends the loop and is logged.
 */
export function runPoller<S extends object>(control: PollControl, logger: Logger, what: string, stats: S, run: () => Promise<void>): { stats(): S; stop(): Promise<void> } {
  const loop = run().catch((error: unknown) => {
    logger.error({ err: errorMessage(error) }, `${what} stopped on an unexpected error`);
  });
  let stopping: Promise<void> | undefined;
  return {
    stats: () => ({ ...stats }),
    stop: () => {
      stopping ??= (async () => {
        control.stop();
        await loop;
        logger.info({ ...stats }, `${what} stopped`);
      })();
      return stopping;
    },
  };
}
