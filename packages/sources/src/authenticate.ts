import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SourceDefinition } from './source-config';

export type AuthResult = { ok: true } | { ok: false; header: string; problem: string };

type Headers = Record<string, string | string[] | undefined>;

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Compares without leaking, through timing, how much of the expected value matched. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // Compare equal-length digests so a length mismatch costs the same as a content mismatch.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

export function hmacSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

export const GITHUB_SIGNATURE_HEADER = 'x-hub-signature-256';

/** GitHub's `X-Hub-Signature-256` value for a body: `sha256=` and the hex HMAC-SHA256 of the raw bytes. */
export function githubSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export const STANDARD_WEBHOOK_HEADERS = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' } as const;

/** A Standard Webhooks `v1,<base64>` signature for a message, keyed by the secret (`whsec_<base64 key>`). */
export function standardWebhookSignature(secret: string, id: string, timestamp: string, body: Buffer | string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

function timestampProblem(timestamp: string, nowMs: number, toleranceSeconds: number): string | undefined {
  if (!/^\d{9,11}$/.test(timestamp)) return 'expected Unix seconds';
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  return skew > toleranceSeconds ? `outside the ${toleranceSeconds} s window (replayed or clock skew)` : undefined;
}

/**
 * Checks a request against the source's configured credential. The answer says which header was
 * missing or wrong, never what was expected.
 */
export function authenticate(source: SourceDefinition, headers: Headers, rawBody: Buffer, nowMs: number): AuthResult {
  const auth = source.auth;
  switch (auth.type) {
    case 'header': {
      const value = single(headers, auth.header);
      if (value === undefined) return { ok: false, header: auth.header, problem: 'missing' };
      return constantTimeEqual(value, source.secret)
        ? { ok: true }
        : { ok: false, header: auth.header, problem: 'does not match the configured credential' };
    }
    case 'bearer': {
      const value = single(headers, 'authorization');
      if (value === undefined) return { ok: false, header: 'authorization', problem: 'missing' };
      const match = /^Bearer\s+(.+)$/i.exec(value);
      if (!match?.[1]) return { ok: false, header: 'authorization', problem: 'expected the Bearer scheme' };
      return constantTimeEqual(match[1], source.secret)
        ? { ok: true }
        : { ok: false, header: 'authorization', problem: 'does not match the configured credential' };
    }
    case 'hmac-sha256': {
      const timestamp = single(headers, auth.timestampHeader);
      if (timestamp === undefined) return { ok: false, header: auth.timestampHeader, problem: 'missing' };
      const late = timestampProblem(timestamp, nowMs, auth.toleranceSeconds);
      if (late) return { ok: false, header: auth.timestampHeader, problem: late };
      const signature = single(headers, auth.signatureHeader);
      if (signature === undefined) return { ok: false, header: auth.signatureHeader, problem: 'missing' };
      const expected = `${auth.signaturePrefix}${hmacSignature(source.secret, timestamp, rawBody)}`;
      return constantTimeEqual(signature, expected)
        ? { ok: true }
        : { ok: false, header: auth.signatureHeader, problem: 'signature does not match the body' };
    }
    case 'github-signature': {
      const signature = single(headers, GITHUB_SIGNATURE_HEADER);
      if (signature === undefined) return { ok: false, header: GITHUB_SIGNATURE_HEADER, problem: 'missing' };
      if (!/^sha256=[0-9a-f]{64}$/i.test(signature)) {
        return { ok: false, header: GITHUB_SIGNATURE_HEADER, problem: 'expected sha256=<64 hex digits>' };
      }
      return constantTimeEqual(signature.toLowerCase(), githubSignature(source.secret, rawBody))
        ? { ok: true }
        : { ok: false, header: GITHUB_SIGNATURE_HEADER, problem: 'signature does not match the body' };
    }
    case 'standard-webhooks': {
      const { id: idHeader, timestamp: timestampHeader, signature: signatureHeader } = STANDARD_WEBHOOK_HEADERS;
      const id = single(headers, idHeader);
      if (!id) return { ok: false, header: idHeader, problem: 'missing' };
      const timestamp = single(headers, timestampHeader);
      if (timestamp === undefined) return { ok: false, header: timestampHeader, problem: 'missing' };
      const late = timestampProblem(timestamp, nowMs, auth.toleranceSeconds);
      if (late) return { ok: false, header: timestampHeader, problem: late };
      const signatures = single(headers, signatureHeader);
      if (signatures === undefined) return { ok: false, header: signatureHeader, problem: 'missing' };
      const expected = standardWebhookSignature(source.secret, id, timestamp, rawBody);
      return signatures.split(' ').some((candidate) => constantTimeEqual(candidate, expected))
        ? { ok: true }
        : { ok: false, header: signatureHeader, problem: 'no v1 signature matches the body' };
    }
  }
}
