// What a transaction type is: one module per type (transfer.ts, settle.ts, anchor-proof.ts) gives
// its body's shape, its checks against the chain, what it pays and what the store keeps of it;
// registry.ts lists them, and admission, block production, block import and the store all go
// through the registry. The rules every type shares (common fields, nonce, fee, balance) are in
// common.ts.

import type { PreparedVerificationKey, Receipt } from '@aitbc/protocol';
import type { Genesis } from '../genesis.ts';
import type { ChainStore } from '../store/chain-store.ts';
import type { TxCommon } from '../tx.ts';

/** The first field of a body that is wrong: its dotted path from the transaction, and the problem. */
export type ShapeProblem = { field: string; problem: string };

/** What a transaction's checks may read: the chain's settings and its stored records. */
export interface TxEnvironment {
  readonly genesis: Genesis;
  readonly store: Pick<ChainStore, 'receipt' | 'receiptProof'>;
  /** genesis' zk_receipt_vkey, parsed once (null when genesis has none). */
  receiptVkey(): PreparedVerificationKey | null;
}

/**
 * What transactions ahead of this one (earlier in its block, or waiting in the mempool) have
 * already taken, such as a receipt to settle: a second one taking it cannot run.
 */
export interface Claims {
  has(claim: string): boolean;
}

/** An amount (µAIT) the sender pays to an address, besides the fee. */
export interface Credit {
  address: string;
  amount: bigint;
}

/** What the store keeps of a transaction besides the transaction itself. */
export interface TxEffects {
  /** The address it pays (the history of `GET /rpc/accounts/{address}/txs`). */
  recipient?: string;
  /** Receipts it settles (the receipts table, and the block's receipt_root). */
  settles?: Receipt[];
  /** Ids of the receipts it proves (the receipt_proofs table). */
  proves?: string[];
}

export interface TxType<Body extends TxCommon & { type: string }> {
  readonly type: Body['type'];
  /** The body's fields beyond the common ones. */
  readonly fields: readonly string[];
  /** The form of those fields (the common ones are checked already); null when all are right. */
  shapeProblem(body: Record<string, unknown>): ShapeProblem | null;
  /** Checks against the chain and the claims ahead of it; throws TxRejectedError saying why it cannot run. */
  check(body: Body, environment: TxEnvironment, claimed: Claims): void;
  /** What it takes, so that no later transaction takes it again. */
  claims(body: Body): string[];
  /** What the sender pays besides the fee. */
  credits(body: Body): Credit[];
  effects(body: Body): TxEffects;
}
