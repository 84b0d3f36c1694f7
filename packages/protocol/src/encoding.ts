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

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64URL.length; i++) BASE64URL_VALUES[BASE64URL.charCodeAt(i)] = i;

/**
 * Strict: unpadded base64url only, with zero trailing bits (one spelling per byte string, as
 * @scure/base decodes it); anything else is a RangeError. Table-driven: every transaction's
 * key and signature go through it (scure's generic radix conversion took a tenth of admission).
 */
export function base64urlDecode(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError('base64url input must be a string');
  const bytes = new Uint8Array((text.length * 6) >> 3);
  let carry = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? BASE64URL_VALUES[code]! : -1;
    if (value < 0) throw new RangeError('is not unpadded base64url');
    carry = ((carry << 6) | value) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (carry >> bits) & 0xff;
    }
  }
  // A lone last character (6 bits, no byte) or set bits past the last byte: not canonical.
  if (bits >= 6 || (carry & ((1 << bits) - 1)) !== 0) throw new RangeError('is not valid base64url');
  return bytes;
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
