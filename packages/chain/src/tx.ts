// Chain transactions: typed bodies, Ed25519-signed over a domain tag and the canonical (RFC 8785)
// bytes of the body, which carries the chain id, so a signature is valid on one chain only.
// The hash covers the unsigned body. Each type's body and rules are a module of txs/ (registry.ts
// lists them).

import { addressFromPublicKey, base64urlDecode, base64urlEncode, canonicalize, publicKeyFromSecret, sha256Hex, sign, utf8, verify } from '@aitbc/protocol';
import type { TxBody } from './txs/registry.ts';

export const TX_DOMAIN_TAG = 'AITBC-TX-v1\n';

/** What every transaction body carries. */
export interface TxCommon {
  chain_id: string;
  /** Sender address; must be the address of `public_key`. */
  from: string;
  public_key: string;
  /** AITBC, canonical decimal string, paid to the block's proposer. */
  fee: string;
  /** The sender's next nonce (0 for a new account). */
  nonce: number;
}

export type { TxBody } from './txs/registry.ts';
export type { TransferBody } from './txs/transfer.ts';
export type { SettleBody } from './txs/settle.ts';
export type { AnchorProofBody } from './txs/anchor-proof.ts';
export type { BondBody } from './txs/bond.ts';
export type { UnbondBody } from './txs/unbond.ts';
export type { SlashBody } from './txs/slash.ts';

export interface SignedTx {
  body: TxBody;
  /** base64url Ed25519 signature over the tx signing bytes. */
  signature: string;
}

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
