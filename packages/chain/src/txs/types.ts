// What a transaction type is: one module per type (transfer.ts, settle.ts, anchor-proof.ts,
// bond.ts, unbond.ts, slash.ts) gives its body's shape, its checks against the chain, what it
// pays, what else it changes in state and what the store keeps of it;
// registry.ts lists them, and admission, block production, block import and the store all go
// through the registry. The rules every type shares (common fields, nonce, fee, balance) are in
// common.ts.

import type { Receipt } from '@aitbc/protocol';
import type { VerifiedSignatures } from '../verified-signatures.ts';
import type { PreparedVerificationKey } from '@aitbc/protocol/zk';
import type { Genesis } from '../genesis.ts';
import type { SlashRecord, StateOverlay } from '../state.ts';
import type { ChainStore } from '../store/chain-store.ts';
import type { TxCommon } from '../tx.ts';

/** The first field of a body that is wrong: its dotted path from the transaction, and the problem. */
export type ShapeProblem = { field: string; problem: string };

/** What a transaction's checks may read: the chain's settings and its stored records. */
export interface TxEnvironment {
  readonly genesis: Genesis;
  readonly store: Pick<ChainStore, 'receipt' | 'receiptProof' | 'receiptSlash'>;
  /** genesis' zk_receipt_vkey, parsed once (null when genesis has none). */
  receiptVkey(): PreparedVerificationKey | null;
  /** The transaction signatures this node verified already. */
  readonly signatures: VerifiedSignatures;
}

/**
 * What transactions ahead of this one (earlier in its block, or waiting in the mempool) have
 * already taken, such as a receipt to settle: a second one taking it cannot run.
 */
export interface Claims {
  has(claim: string): boolean;
}

/** Where in the chain a transaction runs. */
export interface TxContext {
  /** The height of the block it runs in (the next block's, at admission). */
  height: number;
  hash: string;
}

/** An amount (µAIT) the sender pays to an address, besides the fee. */
export interface Credit {
  address: string;
  amount: bigint;
}

/** What a transaction did that its body alone does not say: a slash pays the bonds' owners of its time. */
export interface TxOutcome {
  slash?: SlashRecord;
}

/** What the store keeps of a transaction besides the transaction itself. */
export interface TxEffects {
  /** The address it is addressed to (the transactions table's recipient column). */
  recipient?: string;
  /** Addresses its apply() paid, beyond credits(); known from the outcome only. */
  payees?: string[];
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
  /**
   * Checks against the chain, the state the transactions ahead of it left (read only) and their
   * claims; throws TxRejectedError saying why it cannot run.
   */
  check(body: Body, environment: TxEnvironment, claimed: Claims, state: StateOverlay): void;
  /** What it takes, so that no later transaction takes it again. */
  claims(body: Body): string[];
  /** What the sender pays besides the fee. */
  credits(body: Body): Credit[];
  /** What the sender moves from its balance into state of its own (a bond), besides credits and fee. */
  locks?(body: Body): bigint;
  /** Its changes beyond the payment, once checked and paid; never throws. */
  apply?(body: Body, state: StateOverlay, context: TxContext, environment: TxEnvironment): void;
  /** `outcome`: what it did when it ran (absent where only the body is at hand). */
  effects(body: Body, outcome?: TxOutcome): TxEffects;
}
