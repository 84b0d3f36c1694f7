// Chain transactions: typed bodies, Ed25519-signed over a domain tag and the canonical (RFC 8785)
// bytes of the body, which carries the chain id, so a signature is valid on one chain only.
// Signing and hashing are @aitbc/protocol's (browser wallets sign with the same code); each
// type's body and rules are a module of txs/ (registry.ts lists them).

import type { Same, TxBody as WireTxBody } from '@aitbc/protocol/wire';
import type { TxBody } from './txs/registry.ts';

export { TX_DOMAIN_TAG, checkTxSignature, signTx, txHash, txSigningBytes, type UnsignedTxBody } from '@aitbc/protocol';

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
