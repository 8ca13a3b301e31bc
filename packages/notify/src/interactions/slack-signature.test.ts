import { describe, expect, test } from 'vitest';
import { signSlackRequest, verifySlackSignature } from './slack-signature';

// The worked example in Slack's "Verifying requests from Slack" guide.
const SLACK_EXAMPLE = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
    '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
    '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
    '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const AT_EXAMPLE = Number(SLACK_EXAMPLE.timestamp) * 1000;

describe('Slack request signatures', () => {
  test("Slack's own example signs and verifies", () => {
    expect(signSlackRequest(SLACK_EXAMPLE.secret, SLACK_EXAMPLE.timestamp, SLACK_EXAMPLE.body)).toBe(
      SLACK_EXAMPLE.signature,
    );
    const request = {
      timestamp: SLACK_EXAMPLE.timestamp,
      signature: SLACK_EXAMPLE.signature,
      rawBody: SLACK_EXAMPLE.body,
    };
    expect(verifySlackSignature(request, [SLACK_EXAMPLE.secret], AT_EXAMPLE + 10_000)).toEqual({ ok: true });
  });

  test('any change to the body, the timestamp or the secret fails', () => {
    const request = {
      timestamp: SLACK_EXAMPLE.timestamp,
      signature: SLACK_EXAMPLE.signature,
      rawBody: SLACK_EXAMPLE.body,
    };
    const bad = { ok: false, reason: 'bad_signature' };
    expect(
      verifySlackSignature(
        { ...request, rawBody: `${request.rawBody} ` },
        [SLACK_EXAMPLE.secret],
        AT_EXAMPLE,
      ),
    ).toEqual(bad);
    expect(
      verifySlackSignature({ ...request, timestamp: '1531420619' }, [SLACK_EXAMPLE.secret], AT_EXAMPLE),
    ).toEqual(bad);
    expect(verifySlackSignature(request, ['another-secret'], AT_EXAMPLE)).toEqual(bad);
    expect(
      verifySlackSignature({ ...request, signature: 'v0=abc' }, [SLACK_EXAMPLE.secret], AT_EXAMPLE),
    ).toEqual(bad);
    expect(
      verifySlackSignature(
        { ...request, signature: request.signature.toUpperCase() },
        [SLACK_EXAMPLE.secret],
        AT_EXAMPLE,
      ),
    ).toEqual(bad);
  });

  test('while a secret is rotated, either one verifies', () => {
    const request = {
      timestamp: SLACK_EXAMPLE.timestamp,
      signature: SLACK_EXAMPLE.signature,
      rawBody: SLACK_EXAMPLE.body,
    };
    expect(verifySlackSignature(request, ['new-secret', SLACK_EXAMPLE.secret], AT_EXAMPLE)).toEqual({
      ok: true,
    });
  });

  test('the 5-minute window: older is stale, a future time past the skew is refused', () => {
    const request = {
      timestamp: SLACK_EXAMPLE.timestamp,
      signature: SLACK_EXAMPLE.signature,
      rawBody: SLACK_EXAMPLE.body,
    };
    const verify = (nowMs: number) => verifySlackSignature(request, [SLACK_EXAMPLE.secret], nowMs);
    expect(verify(AT_EXAMPLE + 300_000)).toEqual({ ok: true });
    expect(verify(AT_EXAMPLE + 301_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verify(AT_EXAMPLE - 30_000)).toEqual({ ok: true });
    expect(verify(AT_EXAMPLE - 31_000)).toEqual({ ok: false, reason: 'future_timestamp' });
  });

  test('missing or malformed headers', () => {
    const rawBody = 'payload=%7B%7D';
    expect(verifySlackSignature({ timestamp: undefined, signature: 'v0=00', rawBody }, ['s'], 0)).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
    expect(verifySlackSignature({ timestamp: '1', signature: undefined, rawBody }, ['s'], 0)).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
    expect(verifySlackSignature({ timestamp: '1e9', signature: 'v0=00', rawBody }, ['s'], 0)).toEqual({
      ok: false,
      reason: 'malformed_timestamp',
    });
  });
});
