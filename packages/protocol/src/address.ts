// AITBC addresses: `ait1…`, bech32m of the first 20 bytes of SHA-256(public key).

import { cryptoBackend } from './crypto-backend.ts';
import { bech32m } from '@scure/base';
import { memoize } from './memo.ts';

const HRP = 'ait';

export function addressFromPublicKey(publicKey: Uint8Array): string {
  return bech32m.encode(HRP, bech32m.toWords(cryptoBackend().sha256(publicKey).slice(0, 20)));
}

// A node checks the same senders' and recipients' addresses in every transaction they send: the
// bech32m checksum of each is verified once.
const checkedAddress = memoize(10_000, (text) => {
  try {
    const decoded = bech32m.decode(text as `${string}1${string}`);
    return decoded.prefix === HRP && bech32m.fromWords(decoded.words).length === 20;
  } catch {
    return false;
  }
});

export function isValidAddress(text: string): boolean {
  return typeof text === 'string' && text.startsWith(`${HRP}1`) && checkedAddress(text);
}
