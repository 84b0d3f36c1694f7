// The chain's refusals: a code from the protocol error catalogue (CHAIN_TX_* for a transaction,
// CHAIN_BLOCK_* for a block), the human detail, the field at fault when there is one, and a
// context typed per code with the values a client acts on (the receipt a settlement must leave
// out, the nonce to sign with, …). The RPC sends all four in the error envelope.

import { isErrorCode, type ErrorCode } from '@aitbc/protocol';

type Empty = Record<string, never>;

/** Checks at compile time that a context table has exactly one entry per code. */
type ContextsOf<Codes extends string, Table extends Record<Codes, object> & Record<Exclude<keyof Table, Codes>, never>> = Table;

export type TxErrorCode = Extract<ErrorCode, `CHAIN_TX_${string}`>;
export type BlockErrorCode = Extract<ErrorCode, `CHAIN_BLOCK_${string}`>;

export type TxErrorContexts = ContextsOf<
  TxErrorCode,
  {
    CHAIN_TX_INVALID_FORMAT: Empty;
    /** This chain's id. */
    CHAIN_TX_WRONG_CHAIN: { chain_id: string };
    CHAIN_TX_INVALID_SIGNATURE: Empty;
    CHAIN_TX_ALREADY_KNOWN: { tx_hash: string };
    CHAIN_TX_MEMPOOL_FULL: { limit: number };
    CHAIN_TX_INVALID_NONCE: { expected_nonce: number };
    /** AITBC decimal strings: what the sender holds, and what the transaction needs. */
    CHAIN_TX_INSUFFICIENT_BALANCE: { balance: string; needed: string };
    CHAIN_TX_NOT_COORDINATOR: Empty;
    CHAIN_TX_RECEIPT_INVALID: { receipt_id: string };
    CHAIN_TX_RECEIPT_ALREADY_SETTLED: { receipt_id: string };
    CHAIN_TX_PAYOUTS_MISMATCH: { expected: { address: string; amount: string }[] };
    CHAIN_TX_PROOFS_DISABLED: Empty;
    CHAIN_TX_RECEIPT_NOT_SETTLED: { receipt_id: string };
    CHAIN_TX_RECEIPT_ALREADY_PROVEN: { receipt_id: string };
    CHAIN_TX_PROOF_INVALID: { receipt_id: string };
    /** The address whose bond or unbonding holds the key. */
    CHAIN_TX_BOND_KEY_TAKEN: { miner_key: string; address: string };
    /** What the sender has bonded on the key (AITBC). */
    CHAIN_TX_UNBOND_EXCEEDS_BOND: { miner_key: string; bonded: string };
    /** The receipt (slashed or reference) whose id or signature does not verify. */
    CHAIN_TX_SLASH_BAD_SIGNATURE: { receipt_id: string };
    CHAIN_TX_SLASH_REFERENCES_INSUFFICIENT: { minimum_references: number };
    /** The reference whose run differs from the slashed receipt's, and the receipt field that differs. */
    CHAIN_TX_SLASH_INPUTS_MISMATCH: { receipt_id: string; receipt_field: string };
    CHAIN_TX_SLASH_REFERENCES_DISAGREE: { receipt_id: string };
    CHAIN_TX_SLASH_OUTPUT_AGREES: { receipt_id: string };
    CHAIN_TX_SLASH_NOTHING_BONDED: { miner_key: string };
    CHAIN_TX_ALREADY_SLASHED: { receipt_id: string };
  }
>;

export type BlockErrorContexts = ContextsOf<
  BlockErrorCode,
  {
    CHAIN_BLOCK_INVALID_FORMAT: Empty;
    CHAIN_BLOCK_INVALID_HEIGHT: { height: number; expected_height: number };
    CHAIN_BLOCK_WRONG_PARENT: { height: number; head_hash: string };
    CHAIN_BLOCK_INVALID_HASH: { height: number };
    CHAIN_BLOCK_WRONG_PROPOSER: { height: number; expected_proposer: string };
    CHAIN_BLOCK_INVALID_SIGNATURE: { height: number };
    CHAIN_BLOCK_FUTURE_TIMESTAMP: { height: number; max_timestamp: number };
    CHAIN_BLOCK_SLOT_NOT_LATER: { height: number; parent_slot: number };
    /** The root the node computed; `field` names the header's. */
    CHAIN_BLOCK_ROOT_MISMATCH: { height: number; expected_root: string };
    CHAIN_BLOCK_DUPLICATE_TX: { height: number; tx_hash: string };
    /** The transaction's own refusal: its code and context. */
    CHAIN_BLOCK_INVALID_TX: { height: number; position: number; tx_code: TxErrorCode; tx_context: TxErrorContexts[TxErrorCode] };
    CHAIN_BLOCK_CONFLICTS_FINAL: { height: number; finalized_height: number };
  }
>;

/** A transaction the node will not take (admission) or run (block production and import). */
export class TxRejectedError<C extends TxErrorCode = TxErrorCode> extends Error {
  override readonly name = 'TxRejectedError';

  constructor(
    readonly code: C,
    detail: string,
    readonly context: TxErrorContexts[C],
    /** Dotted path of the offending field of {body, signature}. */
    readonly field?: string,
  ) {
    super(detail);
  }
}

/** A block the node will not import or keep. */
export class BlockRejectedError<C extends BlockErrorCode = BlockErrorCode> extends Error {
  override readonly name = 'BlockRejectedError';

  constructor(
    readonly code: C,
    detail: string,
    readonly context: BlockErrorContexts[C],
    /** Dotted path of the offending field of {header, hash, signature, txs}. */
    readonly field?: string,
  ) {
    super(detail);
  }
}

/** The refusal of a transaction as the RPC sends it: narrowing on `error_code` types `context`. */
export type TxRefusal = { [C in TxErrorCode]: { error_code: C; detail: string; field?: string; context: TxErrorContexts[C] } }[TxErrorCode];

export function isTxRefusal(value: unknown): value is TxRefusal {
  const refusal = value as TxRefusal;
  return typeof value === 'object' && value !== null && isErrorCode(refusal.error_code) && refusal.error_code.startsWith('CHAIN_TX_') && typeof refusal.context === 'object' && refusal.context !== null;
}
