// Block production: in its own slot, an authority runs the waiting transactions on its head's
// state (txs/), lowest nonce first per sender, and seals the ones that run into a block. Those
// that no longer run (spent, replaced) are reported so the mempool drops them. The node stores
// the block with the state its production computed: validation would run the same transactions
// through the same TxRunner again (half the cost of a block) and find the same. Every other
// node validates it in full.

import { addressFromPublicKey, base64urlDecode } from '@aitbc/protocol';
import { blockHash, blockReceipts, receiptRoot, signBlockHash, type Block, type BlockHeader } from './block.ts';
import type { ValidatedBlock } from './block-validation.ts';
import { proposerForSlot, slotOf, type Authority } from './consensus.ts';
import { TxRejectedError } from './errors.ts';
import type { Genesis } from './genesis.ts';
import { merkleRoot } from './merkle.ts';
import type { ChainStore } from './store/chain-store.ts';
import type { SignedTx } from './tx.ts';
import { TxRunner } from './txs/execute.ts';
import type { TxEnvironment } from './txs/types.ts';

/** Whether `proposer` may propose on `parent` at `timestamp`: its slot, later than the parent's. */
export function mayPropose(proposer: Authority, parent: Block, timestamp: number, genesis: Genesis): boolean {
  const slot = slotOf(timestamp, genesis);
  return proposerForSlot(slot, genesis) === proposer.publicKey && slot > slotOf(parent.header.timestamp, genesis);
}

export interface Proposal {
  /** Null when no waiting transaction runs. */
  block: Block | null;
  /** What validating the block would find (the same runner made it), for the node to store it with. */
  validated: ValidatedBlock | null;
  /** Hashes of the waiting transactions that no longer run. */
  dropped: string[];
}

/** Builds and signs the block on `parent` from the waiting [hash, tx] entries. */
export function proposeBlock(proposer: Authority, parent: Block, timestamp: number, pending: [string, SignedTx][], store: ChainStore, environment: TxEnvironment): Proposal {
  const runner = new TxRunner(store, environment, addressFromPublicKey(base64urlDecode(proposer.publicKey)), parent.header.height + 1);
  const included: SignedTx[] = [];
  const includedHashes: string[] = [];
  const dropped: string[] = [];
  // Lowest nonce first per sender, so a sender's queued transactions land in order.
  for (const [hash, tx] of pending.sort(([, a], [, b]) => (a.body.from === b.body.from ? a.body.nonce - b.body.nonce : 0))) {
    try {
      // (Admission checked it was not in a block; a reorg since may have put it in one.)
      if (store.holdsTx(hash, tx.body.from, tx.body.nonce)) throw new TxRejectedError('CHAIN_TX_ALREADY_KNOWN', `transaction ${hash} is already known`, { tx_hash: hash });
      runner.run(tx);
      included.push(tx);
      includedHashes.push(hash);
    } catch (error) {
      if (!(error instanceof TxRejectedError)) throw error;
      dropped.push(hash);
    }
  }
  if (included.length === 0) return { block: null, validated: null, dropped };
  const header: BlockHeader = {
    height: parent.header.height + 1,
    parent_hash: parent.hash,
    timestamp,
    proposer: proposer.publicKey,
    tx_root: merkleRoot(includedHashes),
    receipt_root: receiptRoot(blockReceipts({ txs: included })),
    state_root: runner.overlay.root(),
  };
  const hash = blockHash(header);
  const block = { header, hash, signature: signBlockHash(hash, proposer.keys.secretKey), txs: included };
  return { block, validated: { txHashes: includedHashes, changes: runner.overlay }, dropped };
}
