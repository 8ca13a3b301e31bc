import type { z } from 'zod';
import { IdempotencyKeyReusedError, IllegalTransitionError, IncidentNotFoundError } from '@vigil/incidents';
import type { FieldError } from '@vigil/schema';

/** The one error shape every response uses: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: FieldError[] };
}

/** An error meant for the caller: its status, code and message go out as they are. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: FieldError[],
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}

/**
 * A 400 naming every bad field, with paths as `fieldErrors` writes them; unknown parameters are named one by
 * one rather than as one issue at the root.
 */
export function invalidRequest(what: string, error: z.ZodError): ApiError {
  const details = error.issues.flatMap((issue): FieldError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: key, message: `unknown ${what} parameter` }))
      : [
          {
            path: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
            message: issue.message,
          },
        ],
  );
  return new ApiError(400, 'invalid_request', `invalid ${what}`, details);
}

/** The register's refusals as the HTTP answers a caller can act on; anything else is not the caller's. */
export function fromStoreError(error: unknown): ApiError | null {
  if (error instanceof IncidentNotFoundError) return new ApiError(404, 'incident_not_found', error.message);
  if (error instanceof IllegalTransitionError) return new ApiError(409, 'illegal_transition', error.message);
  if (error instanceof IdempotencyKeyReusedError) {
    return new ApiError(
      422,
      'idempotency_key_reused',
      'this Idempotency-Key was already used for a different request; use a new key for a new request',
    );
  }
  return null;
}

/** SQLSTATE classes and socket errors that mean the database cannot be reached, not that the request is wrong. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', '57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

/** The register's database is down or unreachable: the caller should retry later (503), not report a bug. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (UNAVAILABLE_MESSAGES.test(current.message)) return true;
    if (current instanceof AggregateError && current.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}

/** Seconds a caller is told to wait while the database is down. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
