/** How long a failed batch waits before it comes again: doubles per attempt, up to a cap. */
export interface RetryBackoff {
  /** Wait after the first failure. */
  initialMs: number;
  /** The wait never grows past this, so a partition that recovers is picked up again soon. */
  maxMs: number;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { initialMs: 500, maxMs: 10_000 };

/** `attempt` counts failures of the same batch, starting at 1. */
export function backoffDelay(attempt: number, backoff: RetryBackoff): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(backoff.initialMs * 2 ** exponent, backoff.maxMs);
}
