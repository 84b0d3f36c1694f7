// Byte encodings shared by every package: base64url (keys, signatures), hex, UTF-8, SHA-256.

import { cryptoBackend } from './crypto-backend.ts';
import { base64urlnopad } from '@scure/base';

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

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new RangeError('is not an even-length hex string');
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Hex SHA-256; strings are hashed as UTF-8. */
export function sha256Hex(data: Uint8Array | string): string {
  return toHex(cryptoBackend().sha256(typeof data === 'string' ? utf8(data) : data));
}
