import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's replay window: a request signed longer ago than this is refused. */
export const SLACK_SIGNATURE_MAX_AGE_SECONDS = 5 * 60;
/** Clock skew tolerated the other way; a request signed further in the future is refused. */
export const SLACK_SIGNATURE_MAX_FUTURE_SECONDS = 30;

export type SignatureRefusal =
  'missing_signature' | 'malformed_timestamp' | 'stale_timestamp' | 'future_timestamp' | 'bad_signature';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureRefusal };

export interface SignedRequest {
  /** `X-Slack-Request-Timestamp`: Unix seconds. */
  timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=<hex>`. */
  signature: string | undefined;
  /** The body exactly as received: parsing and re-encoding it would change the bytes signed. */
  rawBody: string;
}

/**
 * Slack's v0 request signing: HMAC-SHA256 of `v0:<timestamp>:<raw body>` under the app's signing secret,
 * compared in constant time, within five minutes of now. Several secrets may be given while one is rotated;
 * any of them signing the request is enough.
 */
export function verifySlackSignature(
  request: SignedRequest,
  secrets: readonly string[],
  nowMs: number,
  window: { maxAgeSeconds?: number; maxFutureSeconds?: number } = {},
): SignatureCheck {
  const { timestamp, signature, rawBody } = request;
  if (!timestamp || !signature) return { ok: false, reason: 'missing_signature' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed_timestamp' };
  const age = Math.floor(nowMs / 1000) - Number(timestamp);
  if (age > (window.maxAgeSeconds ?? SLACK_SIGNATURE_MAX_AGE_SECONDS))
    return { ok: false, reason: 'stale_timestamp' };
  if (-age > (window.maxFutureSeconds ?? SLACK_SIGNATURE_MAX_FUTURE_SECONDS))
    return { ok: false, reason: 'future_timestamp' };

  const given = Buffer.from(signature, 'utf8');
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signSlackRequest(secret, timestamp, rawBody), 'utf8');
    // timingSafeEqual needs equal lengths; a signature of another length is simply wrong. Every secret is
    // tried, so the time taken does not say which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

/** `v0=<hex>` as Slack computes it; what tests and the stand-in sign their requests with. */
export function signSlackRequest(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;
}

/** What a refused request is told: enough to fix a misconfiguration, nothing about the secret. */
export function signatureRefusalText(reason: SignatureRefusal): string {
  switch (reason) {
    case 'missing_signature':
      return 'the request has no X-Slack-Signature and X-Slack-Request-Timestamp headers';
    case 'malformed_timestamp':
      return 'X-Slack-Request-Timestamp is not a Unix time in seconds';
    case 'stale_timestamp':
      return 'the request was signed more than 5 minutes ago; it is refused as a possible replay';
    case 'future_timestamp':
      return 'the request is signed with a time in the future; check the server clock';
    case 'bad_signature':
      return 'the request signature does not match; check the Slack signing secret';
  }
}
