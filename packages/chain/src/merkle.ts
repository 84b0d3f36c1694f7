// Merkle roots over hex hashes: SHA-256 of the two children's bytes, an odd last node carried up
// unchanged; the root of nothing is SHA-256 of the empty string.

import { fromHex, sha256Hex } from '@aitbc/protocol';

export const EMPTY_ROOT = sha256Hex('');

export function merkleRoot(hashes: string[]): string {
  if (hashes.length === 0) return EMPTY_ROOT;
  let level = hashes;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      next.push(right === undefined ? level[i]! : sha256Hex(new Uint8Array([...fromHex(level[i]!), ...fromHex(right)])));
    }
    level = next;
  }
  return level[0]!;
}
