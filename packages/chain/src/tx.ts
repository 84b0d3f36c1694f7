// Chain transactions: typed bodies, Ed25519-signed over a domain tag and the canonical (RFC 8785)
// bytes of the body, which carries the chain id, so a signature is valid on one chain only.
// Signing and hashing are @aitbc/protocol's (browser wallets sign with the same code); each
// type's body and rules are a module of txs/ (registry.ts lists them).

import { txHash as hashOfBody } from '@aitbc/protocol';
import type { Same, TxBody as WireTxBody } from '@aitbc/protocol/wire';
import type { TxBody } from './txs/registry.ts';

export { TX_DOMAIN_TAG, checkTxSignature, signTx, txSigningBytes, type UnsignedTxBody } from '@aitbc/protocol';

// A body is hashed at admission, in its signature check, in production, in import and by its
// type's rules: once per body object is enough (bodies are never changed once parsed).
const hashes = new WeakMap<object, string>();

/** SHA-256 of the body's canonical JSON, hex (the transaction's hash). */
export function txHash(body: TxBody): string {
  let hash = hashes.get(body);
  if (hash === undefined) hashes.set(body, (hash = hashOfBody(body)));
  return hash;
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
