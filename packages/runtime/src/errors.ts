/**
 * Errors say whether to retry. Hot paths return expected failures as values; these classes are for
 * what crosses a boundary (a consumer, a job, an HTTP handler).
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly details: ReadonlyArray<{ path: string; message: string }> = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    message: string,
    /** How long the other side asked us to wait, when it said so (HTTP Retry-After). */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
