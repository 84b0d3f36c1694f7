// AITBC addresses: `ait1…`, bech32m of the first 20 bytes of SHA-256(public key).

import { cryptoBackend } from './crypto-backend.ts';
import { bech32m } from '@scure/base';

const HRP = 'ait';

export function addressFromPublicKey(publicKey: Uint8Array): string {
  return bech32m.encode(HRP, bech32m.toWords(cryptoBackend().sha256(publicKey).slice(0, 20)));
}

// A node checks the same senders' and recipients' addresses in every transaction they send: the
// bech32m checksum of each is computed once (bounded).
const VALID_CACHE_LIMIT = 10_000;
const validAddresses = new Set<string>();

export function isValidAddress(text: string): boolean {
  if (typeof text !== 'string' || !text.startsWith(`${HRP}1`)) return false;
  if (validAddresses.has(text)) return true;
  try {
    const decoded = bech32m.decode(text as `${string}1${string}`);
    if (decoded.prefix !== HRP || bech32m.fromWords(decoded.words).length !== 20) return false;
  } catch {
    return false;
  }
  if (validAddresses.size >= VALID_CACHE_LIMIT) validAddresses.clear();
  validAddresses.add(text);
  return true;
}
