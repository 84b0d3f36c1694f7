// Where SHA-256 and Ed25519 come from. The default is noble (audited, pure JS, runs in every
// browser). A Node process may switch to node:crypto (OpenSSL), 10–20× faster, with
// `useNodeCrypto()` from `@aitbc/protocol/node`; both produce identical bytes and signatures
// (RFC 8032 signing is deterministic), and `node-crypto.test.ts` holds them to that.

import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';

export interface CryptoBackend {
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  getPublicKey(secretKey: Uint8Array): Uint8Array;
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** Strict RFC 8032 verification; false (never a throw) for anything malformed. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

export const nobleBackend: CryptoBackend = {
  name: 'noble',
  sha256: (data) => sha256(data),
  getPublicKey: (secretKey) => ed25519.getPublicKey(secretKey),
  sign: (message, secretKey) => ed25519.sign(message, secretKey),
  verify: (signature, message, publicKey) => {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};

let current: CryptoBackend = nobleBackend;

export function cryptoBackend(): CryptoBackend {
  return current;
}

export function useCryptoBackend(backend: CryptoBackend): void {
  current = backend;
}
