// The receipt proofs' verification key that the optional GPL package @aitbc/zk ships. It is data
// (read, never linked), so the MIT command line and devnet can use it when the package is there.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Groth16VerificationKey } from '@aitbc/protocol/zk';

/** The path of @aitbc/zk's verification key, or null when the package is not installed. */
export function shippedVkeyPath(): string | null {
  try {
    return createRequire(import.meta.url).resolve('@aitbc/zk/receipt_simple.vkey.json');
  } catch {
    return null;
  }
}

export function shippedVkey(): Groth16VerificationKey | null {
  const path = shippedVkeyPath();
  return path ? (JSON.parse(readFileSync(path, 'utf8')) as Groth16VerificationKey) : null;
}
