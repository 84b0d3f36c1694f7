// Chain transactions: typed bodies, Ed25519-signed over a domain tag and the canonical (RFC 8785)
// bytes of the body, which carries the chain id, so a signature is valid on one chain only.
// The hash covers the unsigned body. Each type's body and rules are a module of txs/ (registry.ts
// lists them).

import { addressFromPublicKey, base64urlDecode, base64urlEncode, canonicalize, publicKeyFromSecret, sha256Hex, sign, utf8, verify } from '@aitbc/protocol';
import type { SignedTx } from '@aitbc/protocol/wire';
import type { TxBody } from './txs/registry.ts';

export const TX_DOMAIN_TAG = 'AITBC-TX-v1\n';

// The shapes are the wire's (@aitbc/protocol/wire); this package keeps what they mean.
export type { SignedTx, TxCommon } from '@aitbc/protocol/wire';
export type { TxBody } from './txs/registry.ts';
export type { TransferBody } from './txs/transfer.ts';
export type { SettleBody } from './txs/settle.ts';
export type { AnchorProofBody } from './txs/anchor-proof.ts';
export type { BondBody } from './txs/bond.ts';
export type { UnbondBody } from './txs/unbond.ts';
export type { SlashBody } from './txs/slash.ts';

export function txHash(body: TxBody): string {
  return sha256Hex(canonicalize(body));
}

export function txSigningBytes(body: TxBody): Uint8Array {
  return utf8(TX_DOMAIN_TAG + canonicalize(body));
}

export function signTx(body: Omit<TxBody, 'public_key' | 'from'>, secretKey: Uint8Array): SignedTx {
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
