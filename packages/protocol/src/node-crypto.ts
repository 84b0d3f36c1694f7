// node:crypto (OpenSSL) as the crypto backend, for Node processes that sign and verify on a hot
// path (the coordinator verifies and co-signs every receipt). Not exported from index.ts, so
// browsers never load it: import from `@aitbc/protocol/node`.
//
// Verification: OpenSSL checks the cofactorless equation [S]B = R + [k]A with canonical S and R;
// noble with zip215:false checks the cofactored one. Whatever OpenSSL accepts, noble accepts too
// (multiply both sides by 8); they can differ only on signatures crafted with small-order
// components, which only make a signer's own receipt fail. Public keys of small order are refused
// at registration (parsePublicKey), so neither side ever sees one.

import { createPrivateKey, createPublicKey, hash, sign, verify, type KeyObject } from 'node:crypto';
import { useCryptoBackend, type CryptoBackend } from './crypto-backend.ts';

// DER wrappers for raw Ed25519 keys (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const CACHE_LIMIT = 10_000;

function cached(cache: Map<string, KeyObject>, key: Uint8Array, make: (bytes: Buffer) => KeyObject): KeyObject {
  const id = Buffer.from(key).toString('hex');
  let object = cache.get(id);
  if (!object) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    object = make(Buffer.from(key));
    cache.set(id, object);
  }
  return object;
}

const privateKeys = new Map<string, KeyObject>();
const derivedPublicKeys = new Map<string, Uint8Array>();
const publicKeys = new Map<string, KeyObject>();
const privateKey = (secretKey: Uint8Array) =>
  cached(privateKeys, secretKey, (bytes) => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, bytes]), format: 'der', type: 'pkcs8' }));
// A raw public key goes in as a JWK: OpenSSL 3 parses the same key as DER about ten times slower
// (some 300 µs, more than a verification), and a node meets every new sender's key once.
const publicKey = (key: Uint8Array) => cached(publicKeys, key, (bytes) => createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' }));

export const nodeBackend: CryptoBackend = {
  name: 'node:crypto',
  // One-shot: a Hash object costs more than hashing a transaction's few hundred bytes.
  sha256: (data) => new Uint8Array(hash('sha256', data, 'buffer')),
  getPublicKey: (secretKey) => {
    if (secretKey.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
    // Signing a receipt names the signer's public key: derive it once per secret key.
    const id = Buffer.from(secretKey).toString('hex');
    let derived = derivedPublicKeys.get(id);
    if (!derived) {
      if (derivedPublicKeys.size >= CACHE_LIMIT) derivedPublicKeys.clear();
      derived = new Uint8Array(createPublicKey(privateKey(secretKey)).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length));
      derivedPublicKeys.set(id, derived);
    }
    return derived.slice();
  },
  sign: (message, secretKey) => {
    if (secretKey.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
    return new Uint8Array(sign(null, message, privateKey(secretKey)));
  },
  verify: (signature, message, key) => {
    if (signature.length !== 64 || key.length !== 32) return false;
    try {
      return verify(null, message, publicKey(key), signature);
    } catch {
      return false;
    }
  },
};

/** Switches this process's protocol crypto to node:crypto. */
export function useNodeCrypto(): void {
  useCryptoBackend(nodeBackend);
}
