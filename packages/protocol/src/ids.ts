// Identifiers: a prefix, a hyphen and random hex (`job-…`, `key-…`, `req-…`).

import { toHex } from './encoding.ts';

// Random bytes come from a pool refilled 4 KiB at a time: one getRandomValues call serves
// hundreds of ids (every request gets one), and the bytes are still from the system CSPRNG.
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

export function randomHex(bytes: number): string {
  if (bytes > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} random bytes at a time`);
  if (poolOffset + bytes > POOL_SIZE) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return toHex(slice);
}

export function newId(prefix: string): string {
  return `${prefix}-${randomHex(12)}`;
}

/** A client-sent X-Request-ID we are willing to echo. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
