import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vigil/runtime';
import { createTokenVerifier, hashToken } from './api-tokens';

describe('hashToken', () => {
  it('is the hex sha256 of the token', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('createTokenVerifier', () => {
  const verify = createTokenVerifier([
    { name: 'soc-bot', role: 'responder', sha256: hashToken('responder-token') },
    { name: 'auditor-jane', role: 'auditor', sha256: hashToken('auditor-token').toUpperCase() },
  ]);

  it('names the holder and role of a configured token, whatever the case of its configured hash', () => {
    expect(verify('responder-token')).toEqual({ name: 'soc-bot', role: 'responder' });
    expect(verify('auditor-token')).toEqual({ name: 'auditor-jane', role: 'auditor' });
  });

  it('knows no other token, including the hash itself', () => {
    expect(verify('responder-token ')).toBeNull();
    expect(verify('')).toBeNull();
    expect(verify(hashToken('responder-token'))).toBeNull();
  });

  it('refuses a configuration it cannot use, naming the entry', () => {
    expect(() => createTokenVerifier([{ name: 'x', role: 'viewer', sha256: 'plaintext-token' }])).toThrow(
      /tokens\.0\.sha256: must be 64 hex characters/,
    );
    expect(() =>
      createTokenVerifier([
        { name: 'a', role: 'viewer', sha256: hashToken('same') },
        { name: 'b', role: 'admin', sha256: hashToken('same') },
      ]),
    ).toThrow(ConfigError);
  });
});
