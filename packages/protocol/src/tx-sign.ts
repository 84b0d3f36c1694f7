// Chain transaction signatures, browser-safe so that wallets sign where their keys are (a page, the
// SDK) with the very code the node checks them with: Ed25519 over a domain tag and the canonical
// (RFC 8785) bytes of the body, which carries the chain id, so a signature is valid on one chain
// only. The hash covers the unsigned body. The bodies' shapes are the wire's
// (src/wire/chain/transactions.ts); what they mean is the chain package's.

import type { SignedTx, TxBody } from './wire/chain/transactions.ts';
import { addressFromPublicKey } from './address.ts';
import { base64urlDecode, base64urlEncode, sha256Hex, utf8 } from './encoding.ts';
import { canonicalize } from './jcs.ts';
import { publicKeyFromSecret, sign, verify } from './keys.ts';
import { memoize } from './memo.ts';

export const TX_DOMAIN_TAG = 'AITBC-TX-v1\n';

/** A body of any type before it is signed: the signer's key and address are filled in from the secret key. */
export type UnsignedTxBody = TxBody extends infer Body ? (Body extends TxBody ? Omit<Body, 'public_key' | 'from'> : never) : never;

/** `canonicalBody`: the body's canonical JSON, when the caller has it already (a node hashes and verifies each body). */
export function txHash(body: TxBody, canonicalBody = canonicalize(body)): string {
  return sha256Hex(canonicalBody);
}

export function txSigningBytes(body: TxBody, canonicalBody = canonicalize(body)): Uint8Array {
  return utf8(TX_DOMAIN_TAG + canonicalBody);
}

export function signTx(body: UnsignedTxBody, secretKey: Uint8Array): SignedTx {
  const publicKey = publicKeyFromSecret(secretKey);
  const full = { ...body, from: addressFromPublicKey(publicKey), public_key: base64urlEncode(publicKey) } as TxBody;
  return { body: full, signature: base64urlEncode(sign(txSigningBytes(full), secretKey)) };
}

// A node checks many transactions from the same senders: each key's address is derived once
// (SHA-256 and bech32m, about a tenth of a check's time beside Ed25519), by its base64url text.
const addressOfKey = memoize(10_000, (keyText) => addressFromPublicKey(base64urlDecode(keyText)));

/** The signature is valid and made by the key whose address is `from`. `canonicalBody` as for txHash. */
export function checkTxSignature(tx: SignedTx, canonicalBody?: string): boolean {
  try {
    const parts = txSignatureParts(tx, canonicalBody);
    return parts !== null && verify(parts.signature, parts.message, parts.publicKey);
  } catch {
    return false;
  }
}

/**
 * What checkTxSignature verifies, for a check made elsewhere (a node's worker threads): the key,
 * the signature and the signed bytes; null if the key is not 32 bytes or not `from`'s. Throws on
 * a body that is not a transaction's.
 */
export function txSignatureParts(tx: SignedTx, canonicalBody?: string): { publicKey: Uint8Array; signature: Uint8Array; message: Uint8Array } | null {
  const publicKey = base64urlDecode(tx.body.public_key);
  if (publicKey.length !== 32 || addressOfKey(tx.body.public_key) !== tx.body.from) return null;
  return { publicKey, signature: base64urlDecode(tx.signature), message: txSigningBytes(tx.body, canonicalBody) };
}
