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

export const TX_DOMAIN_TAG = 'AITBC-TX-v1\n';

/** A body of any type before it is signed: the signer's key and address are filled in from the secret key. */
export type UnsignedTxBody = TxBody extends infer Body ? (Body extends TxBody ? Omit<Body, 'public_key' | 'from'> : never) : never;

export function txHash(body: TxBody): string {
  return sha256Hex(canonicalize(body));
}

export function txSigningBytes(body: TxBody): Uint8Array {
  return utf8(TX_DOMAIN_TAG + canonicalize(body));
}

export function signTx(body: UnsignedTxBody, secretKey: Uint8Array): SignedTx {
  const publicKey = publicKeyFromSecret(secretKey);
  const full = { ...body, from: addressFromPublicKey(publicKey), public_key: base64urlEncode(publicKey) } as TxBody;
  return { body: full, signature: base64urlEncode(sign(txSigningBytes(full), secretKey)) };
}

/** The signature is valid and made by the key whose address is `from`. */
export function checkTxSignature(tx: SignedTx): boolean {
  try {
    const publicKey = base64urlDecode(tx.body.public_key);
    if (publicKey.length !== 32 || addressFromPublicKey(publicKey) !== tx.body.from) return false;
    return verify(base64urlDecode(tx.signature), txSigningBytes(tx.body), publicKey);
  } catch {
    return false;
  }
}
