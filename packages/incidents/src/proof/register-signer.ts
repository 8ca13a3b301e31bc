import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keyId, signedBytes } from '../../../../tools/verify-bundle.mjs';

/**
 * The register's Ed25519 key. It signs checkpoints, bundle manifests and their file entries; the signed
 * bytes are the canonical JSON (RFC 8785) of the object without its `signature` member, computed by the
 * stand-alone verifier's own code so that what is signed and what is checked cannot drift apart.
 */
export interface RegisterSigner {
  /** SHA-256 (hex) of the public key's DER SubjectPublicKeyInfo. */
  readonly keyId: string;
  readonly publicKeyPem: string;
  /** The object with `signature` (base64) added. */
  sign<T extends object>(object: T): T & { signature: string };
}

export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

export function registerSigner(privateKey: KeyObject): RegisterSigner {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(`the register signing key must be an Ed25519 private key, not ${privateKey.asymmetricKeyType ?? privateKey.type}`);
  }
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyId(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign(object) {
      const signature = sign(null, signedBytes(object), privateKey).toString('base64');
      return { ...object, signature };
    },
  };
}

/** Where the key comes from: a PEM file (REGISTER_SIGNING_KEY_FILE) or the PEM itself (REGISTER_SIGNING_KEY). */
export interface SigningKeySource {
  file?: string | undefined;
  pem?: string | undefined;
}

/** The signer, or null when no key is configured. Throws SigningKeyError naming what is wrong. */
export function loadRegisterSigner(source: SigningKeySource): RegisterSigner | null {
  let pem: string;
  if (source.file) {
    try {
      pem = readFileSync(source.file, 'utf8');
    } catch (error) {
      throw new SigningKeyError(`REGISTER_SIGNING_KEY_FILE: cannot read ${source.file}: ${(error as Error).message}`);
    }
  } else if (source.pem) {
    pem = source.pem.replace(/\\n/g, '\n');
  } else {
    return null;
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new SigningKeyError(`the register signing key is not a PEM private key: ${(error as Error).message}`);
  }
  return registerSigner(key);
}
