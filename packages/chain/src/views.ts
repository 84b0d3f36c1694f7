// How blocks look on the wire (RPC and sync): the block with each transaction's hash beside it and
// the receipts it settles spelled out; and back again, keeping only what was signed. And how
// bonds, unbondings and slashes look on the RPC.

import { formatAmount } from '@aitbc/protocol';
import type { BlockView, BondView, SlashView, UnbondingView } from '@aitbc/protocol/wire';
import { blockReceipts, type Block } from './block.ts';
import type { Bond, Unbonding } from './state.ts';
import type { ChainStore, StoredSlash } from './store/chain-store.ts';
import { txHash, type SlashBody } from './tx.ts';

export type { BlockView };

export const blockView = (block: Block): BlockView => ({
  height: block.header.height,
  hash: block.hash,
  header: block.header,
  signature: block.signature,
  transactions: block.txs.map((tx) => ({ hash: txHash(tx.body), ...tx })),
  receipts: blockReceipts(block),
});

/** The block a view describes; the importer recomputes every hash and root, so nothing else is trusted. */
export const blockFromView = (view: BlockView): Block => ({
  header: view.header,
  hash: view.hash,
  signature: view.signature,
  txs: (view.transactions ?? []).map((tx) => ({ body: tx.body, signature: tx.signature })),
});

/** Bonds, unbondings and slashes as the RPC shows them: amounts in AITBC, evidence spelled out. */
export const bondView = (bond: Bond): BondView => ({ miner_key: bond.miner_key, address: bond.address, amount: formatAmount(bond.amount) });

export const unbondingView = (entry: Unbonding): UnbondingView => ({ id: entry.id, miner_key: entry.miner_key, address: entry.address, amount: formatAmount(entry.amount), release_height: entry.release_height });

/** A stored slash with its evidence, read back from the slash transaction it came in. */
export function slashView(slash: StoredSlash, store: Pick<ChainStore, 'tx'>): SlashView {
  const body = store.tx(slash.tx_hash)!.tx.body as SlashBody;
  return {
    receipt_id: slash.receipt_id,
    tx_hash: slash.tx_hash,
    block_height: slash.block_height,
    miner_key: slash.miner_key,
    bond_address: slash.bond_address,
    amount: formatAmount(slash.amount),
    from_bond: formatAmount(slash.from_bond),
    from_unbonding: formatAmount(slash.from_unbonding),
    beneficiary: slash.beneficiary,
    payouts: slash.payouts.map((payout) => ({ address: payout.address, amount: formatAmount(payout.amount), role: payout.role })),
    coordinator_key: body.public_key,
    evidence: { receipt: body.receipt, references: body.references, reference_keys: body.reference_keys },
  };
}
