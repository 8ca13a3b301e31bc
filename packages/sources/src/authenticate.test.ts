import { describe, expect, it } from 'vitest';
import { authenticate, hmacSignature } from './authenticate';
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
