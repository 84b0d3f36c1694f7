// Ed25519 keys and signatures through the crypto backend (crypto-backend.ts). Verification is
// strict RFC 8032 (noble with zip215: false, or OpenSSL): a consensus-relevant choice, spelled out
// in node-crypto.ts.

import { ed25519 } from '@noble/curves/ed25519.js';
import { cryptoBackend } from './crypto-backend.ts';
import { base64urlDecode } from './encoding.ts';

export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function generateKeyPair(): KeyPair {
  const secretKey = ed25519.utils.randomSecretKey();
  return { secretKey, publicKey: cryptoBackend().getPublicKey(secretKey) };
}

export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  return cryptoBackend().getPublicKey(secretKey);
}

/** base64url raw 32-byte key → bytes, refusing anything that is not a point on the curve. */
export function parsePublicKey(text: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base64urlDecode(text);
  } catch {
    throw new RangeError('must be base64url (no padding) of a raw 32-byte Ed25519 public key');
  }
  if (bytes.length !== 32) throw new RangeError(`must be 32 bytes of Ed25519 public key, got ${bytes.length}`);
  let point;
  try {
    point = ed25519.Point.fromBytes(bytes);
  } catch {
    throw new RangeError('is not a valid Ed25519 public key (not a curve point)');
  }
  // Strict verification rejects every signature under a small-order key, so refuse it at the door.
  if (point.isSmallOrder()) throw new RangeError('is not a usable Ed25519 public key (small-order point)');
  return bytes;
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return cryptoBackend().sign(message, secretKey);
}

export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return cryptoBackend().verify(signature, message, publicKey);
}
