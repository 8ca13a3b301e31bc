import { describe, expect, it } from 'vitest';
import { authenticate, hmacSignature, standardWebhookSignature } from './authenticate';
import type { SourceDefinition } from './source-config';

const base = { format: 'generic' as const, rateLimit: { eventsPerSecond: 10, burst: 10 } };
const secret = 'correct-horse-battery-staple';
const now = Date.parse('2026-11-22T10:00:00Z');
const body = Buffer.from('{"a":1}');

const headerSource: SourceDefinition = { ...base, name: 'okta', secret, auth: { type: 'header', header: 'authorization', secretEnv: 'X' } };
const bearerSource: SourceDefinition = { ...base, name: 'gen', secret, auth: { type: 'bearer', secretEnv: 'X' } };
const hmacSource: SourceDefinition = {
  ...base,
  name: 'signed',
  secret,
  auth: { type: 'hmac-sha256', signatureHeader: 'x-vigil-signature', signaturePrefix: 'v1=', timestampHeader: 'x-vigil-timestamp', toleranceSeconds: 300, secretEnv: 'X' },
};

describe('authenticate', () => {
  it('static header: right, wrong, missing', () => {
    expect(authenticate(headerSource, { authorization: secret }, body, now)).toEqual({ ok: true });
    expect(authenticate(headerSource, { authorization: 'nope' }, body, now)).toEqual({
      ok: false,
      header: 'authorization',
      problem: 'does not match the configured credential',
    });
    expect(authenticate(headerSource, {}, body, now)).toMatchObject({ ok: false, problem: 'missing' });
  });

  it('bearer: needs the scheme and the secret', () => {
    expect(authenticate(bearerSource, { authorization: `Bearer ${secret}` }, body, now)).toEqual({ ok: true });
    expect(authenticate(bearerSource, { authorization: secret }, body, now)).toMatchObject({ ok: false, problem: 'expected the Bearer scheme' });
  });

  it('hmac: valid within the window; refused when replayed late, tampered or unsigned', () => {
    const ts = String(now / 1000);
    const signed = { 'x-vigil-timestamp': ts, 'x-vigil-signature': `v1=${hmacSignature(secret, ts, body)}` };
    expect(authenticate(hmacSource, signed, body, now)).toEqual({ ok: true });
    expect(authenticate(hmacSource, signed, body, now + 301_000)).toMatchObject({ ok: false, header: 'x-vigil-timestamp' });
    expect(authenticate(hmacSource, signed, Buffer.from('{"a":2}'), now)).toMatchObject({
      ok: false,
      header: 'x-vigil-signature',
      problem: 'signature does not match the body',
    });
    expect(authenticate(hmacSource, { 'x-vigil-timestamp': ts }, body, now)).toMatchObject({ ok: false, header: 'x-vigil-signature', problem: 'missing' });
  });

  it('never puts the secret in its answer', () => {
    const result = authenticate(headerSource, { authorization: 'x' }, body, now);
    expect(JSON.stringify(result)).not.toContain(secret);
  });
});

describe('Standard Webhooks', () => {
  // The reference test vector of the Standard Webhooks libraries (Svix).
  const vector = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: '1614265330',
    body: Buffer.from('{"test": 2432232314}'),
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const source: SourceDefinition = { ...base, name: 'svix', secret: vector.secret, auth: { type: 'standard-webhooks', toleranceSeconds: 300, secretEnv: 'X' } };
  const at = Number(vector.timestamp) * 1000 + 60_000;
  const headers = (signature: string, extra: Record<string, string> = {}) => ({
    'webhook-id': vector.id,
    'webhook-timestamp': vector.timestamp,
    'webhook-signature': signature,
    ...extra,
  });

  it('signs the reference vector as the spec does', () => {
    expect(standardWebhookSignature(vector.secret, vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
  });

  it('accepts a matching v1 signature among several (key rotation)', () => {
    expect(authenticate(source, headers(vector.signature), vector.body, at)).toEqual({ ok: true });
    expect(authenticate(source, headers(`v1,bm90IHRoaXMgb25l ${vector.signature}`), vector.body, at)).toEqual({ ok: true });
  });

  it('refuses a tampered body, another id, a late delivery, and missing headers, naming the header', () => {
    expect(authenticate(source, headers(vector.signature), Buffer.from('{"test": 1}'), at)).toEqual({ ok: false, header: 'webhook-signature', problem: 'no v1 signature matches the body' });
    expect(authenticate(source, headers(vector.signature, { 'webhook-id': 'msg_other' }), vector.body, at)).toMatchObject({ ok: false, header: 'webhook-signature' });
    expect(authenticate(source, headers(vector.signature), vector.body, at + 10 * 60_000)).toMatchObject({ ok: false, header: 'webhook-timestamp' });
    expect(authenticate(source, { 'webhook-timestamp': vector.timestamp, 'webhook-signature': vector.signature }, vector.body, at)).toEqual({ ok: false, header: 'webhook-id', problem: 'missing' });
    expect(authenticate(source, headers(vector.signature, { 'webhook-timestamp': 'yesterday' }), vector.body, at)).toEqual({ ok: false, header: 'webhook-timestamp', problem: 'expected Unix seconds' });
  });
});
