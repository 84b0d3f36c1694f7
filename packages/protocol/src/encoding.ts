// Byte encodings shared by every package: base64url (keys, signatures), hex, UTF-8, SHA-256.

import { cryptoBackend } from './crypto-backend.ts';
import { base64urlnopad } from '@scure/base';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function base64urlEncode(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/** Strict: unpadded base64url only; anything else is a RangeError. */
export function base64urlDecode(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError('base64url input must be a string');
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new RangeError('is not unpadded base64url');
  try {
    return base64urlnopad.decode(text);
  } catch {
    throw new RangeError('is not valid base64url');
  }
}

// noble's table-driven conversions: the chain converts hashes on every tree and Merkle node.
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

export function fromHex(hex: string): Uint8Array {
  try {
    return hexToBytes(hex);
  } catch {
    throw new RangeError('is not an even-length hex string');
  }
}

/** Hex SHA-256; strings are hashed as UTF-8. */
export function sha256Hex(data: Uint8Array | string): string {
  return toHex(cryptoBackend().sha256(typeof data === 'string' ? utf8(data) : data));
}
