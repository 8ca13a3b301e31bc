import { ErrorCode } from '@slack/web-api';
import { describe, expect, test } from 'vitest';
import { classifySlackError } from './slack-errors';

const platform = (error: string) => ({ code: ErrorCode.PlatformError, data: { ok: false, error } });

describe('classifySlackError', () => {
  test('429 waits for Retry-After, at least a second', () => {
    expect(classifySlackError({ code: ErrorCode.RateLimitedError, retryAfter: 3 })).toMatchObject({
      kind: 'rate-limited',
      retryAfterMs: 3000,
    });
    expect(classifySlackError({ code: ErrorCode.RateLimitedError, retryAfter: 0 })).toMatchObject({
      kind: 'rate-limited',
      retryAfterMs: 1000,
    });
  });

  test.each(['channel_not_found', 'not_in_channel', 'invalid_auth', 'account_inactive', 'is_archived'])(
    '%s is permanent',
    (error) => {
      expect(classifySlackError(platform(error))).toEqual({ kind: 'permanent', reason: error });
    },
  );

  test('Slack-side platform errors, 5xx and network failures are transient', () => {
    expect(classifySlackError(platform('internal_error')).kind).toBe('transient');
    expect(classifySlackError({ code: ErrorCode.HTTPError, statusCode: 503 })).toEqual({
      kind: 'transient',
      reason: 'HTTP 503',
    });
    expect(classifySlackError({ code: ErrorCode.RequestError, original: new Error('ECONNRESET') }).kind).toBe(
      'transient',
    );
  });

  test('other HTTP statuses are permanent', () => {
    expect(classifySlackError({ code: ErrorCode.HTTPError, statusCode: 404 })).toEqual({
      kind: 'permanent',
      reason: 'HTTP 404',
    });
  });
});
