// Merkle roots over hex hashes: SHA-256 of the two children's bytes, an odd last node carried up
// unchanged; the root of nothing is SHA-256 of the empty string.

import { cryptoBackend, fromHex, sha256Hex, toHex } from '@aitbc/protocol';

export const EMPTY_ROOT = sha256Hex('');

export function merkleRoot(hashes: string[]): string {
  if (hashes.length === 0) return EMPTY_ROOT;
  let level = hashes;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      if (right === undefined) next.push(level[i]!);
      else {
        const pair = new Uint8Array(64);
        pair.set(fromHex(level[i]!), 0);
        pair.set(fromHex(right), 32);
        next.push(toHex(cryptoBackend().sha256(pair)));
      }
    }
    level = next;
  }
  return level[0]!;
}
