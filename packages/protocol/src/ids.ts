// Identifiers: a prefix, a hyphen and random hex (`job-…`, `key-…`, `req-…`).

import { toHex } from './encoding.ts';

export function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return toHex(buffer);
}

export function newId(prefix: string): string {
  return `${prefix}-${randomHex(12)}`;
}

/** A client-sent X-Request-ID we are willing to echo. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
