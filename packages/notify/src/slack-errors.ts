import { ErrorCode, type WebAPICallError } from '@slack/web-api';
import { errorMessage } from '@vigil/runtime';

/** What a failed Slack call means for the notification. */
export type SlackFailure =
  /** Slack said when to come back: wait that long without counting an attempt. */
  | { kind: 'rate-limited'; retryAfterMs: number; reason: string }
  /** Slack or the network had a bad moment: retry with backoff. */
  | { kind: 'transient'; reason: string }
  /** Retrying cannot help (unknown channel, bot not in it, bad token): give up and tell someone. */
  | { kind: 'permanent'; reason: string };

/** Platform errors (HTTP 200, `ok: false`) that are Slack's trouble rather than ours. */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export function classifySlackError(error: unknown): SlackFailure {
  const coded = error as Partial<WebAPICallError> | undefined;
  switch (coded?.code) {
    case ErrorCode.RateLimitedError: {
      // Slack sends whole seconds; a zero would have us hammer it.
      const seconds = Math.max(1, Number(coded.retryAfter) || 1);
      return { kind: 'rate-limited', retryAfterMs: seconds * 1000, reason: `rate limited for ${seconds} s` };
    }
    case ErrorCode.PlatformError: {
      const slackError = coded.data?.error ?? 'unknown_error';
      if (slackError === 'ratelimited')
        return { kind: 'rate-limited', retryAfterMs: 1000, reason: slackError };
      return TRANSIENT_PLATFORM_ERRORS.has(slackError)
        ? { kind: 'transient', reason: slackError }
        : { kind: 'permanent', reason: slackError };
    }
    case ErrorCode.HTTPError: {
      const status = coded.statusCode ?? 0;
      const reason = `HTTP ${status}`;
      return status >= 500 || status === 408 || status === 429
        ? { kind: 'transient', reason }
        : { kind: 'permanent', reason };
    }
    case ErrorCode.RequestError:
      return { kind: 'transient', reason: `request failed: ${errorMessage(coded.original ?? error)}` };
    default:
      return { kind: 'transient', reason: errorMessage(error) };
  }
}

/**
 * Whether Slack answered the failed call (an error, a 429, an HTTP status): the message was not posted.
 * A request that got no answer (a timeout, a reset connection) may have been posted all the same.
 */
export function slackAnswered(error: unknown): boolean {
  const code = (error as Partial<WebAPICallError> | undefined)?.code;
  return code === ErrorCode.RateLimitedError || code === ErrorCode.PlatformError || code === ErrorCode.HTTPError;
}
