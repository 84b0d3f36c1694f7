// Chain transactions: typed bodies, Ed25519-signed over a domain tag and the canonical (RFC 8785)
// bytes of the body, which carries the chain id, so a signature is valid on one chain only.
// Signing and hashing are @aitbc/protocol's (browser wallets sign with the same code); each
// type's body and rules are a module of txs/ (registry.ts lists them).

import { canonicalize, checkTxSignature as checkSignature, txHash as hashOfBody, txSignatureParts } from '@aitbc/protocol';
import type { Same, TxBody as WireTxBody } from '@aitbc/protocol/wire';
import type { SignedTx } from '@aitbc/protocol/wire';
import type { TxBody } from './txs/registry.ts';

export { TX_DOMAIN_TAG, signTx, txSigningBytes, type UnsignedTxBody } from '@aitbc/protocol';

// A body is hashed at admission, in production, in import and by its type's rules, and its
// signature is checked over the same canonical JSON: that JSON and the hash are made once per body
// object (bodies are never changed once parsed).
const canonicalBodies = new WeakMap<object, string>();
const hashes = new WeakMap<object, string>();

/** The body's canonical JSON, made once per body object: what is hashed, signed and stored. */
export function canonicalBody(body: TxBody): string {
  let text = canonicalBodies.get(body);
  if (text === undefined) canonicalBodies.set(body, (text = canonicalize(body)));
  return text;
}

/** SHA-256 of the body's canonical JSON, hex (the transaction's hash). */
export function txHash(body: TxBody): string {
  let hash = hashes.get(body);
  if (hash === undefined) hashes.set(body, (hash = hashOfBody(body, canonicalBody(body))));
  return hash;
}

/** The signature is valid and made by the key whose address is `from` (@aitbc/protocol's check). */
export function checkTxSignature(tx: SignedTx): boolean {
  return checkSignature(tx, canonicalBody(tx.body as TxBody));
}

/** What checkTxSignature verifies (key, signature, signed bytes), or null: @aitbc/protocol's txSignatureParts. */
export function signatureParts(tx: SignedTx): ReturnType<typeof txSignatureParts> {
  return txSignatureParts(tx, canonicalBody(tx.body as TxBody));
}

export type { SignedTx, TxCommon } from '@aitbc/protocol/wire';
export type { TxBody } from './txs/registry.ts';
export type { TransferBody } from './txs/transfer.ts';
export type { SettleBody } from './txs/settle.ts';
export type { AnchorProofBody } from './txs/anchor-proof.ts';
export type { BondBody } from './txs/bond.ts';
export type { UnbondBody } from './txs/unbond.ts';
export type { SlashBody } from './txs/slash.ts';

// The registry's bodies are the wire's, which the protocol signs: one type, checked here.
true satisfies Same<TxBody, WireTxBody>;
