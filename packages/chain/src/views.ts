// How blocks look on the wire (RPC and sync): the block with each transaction's hash beside it and
// the receipts it settles spelled out; and back again, keeping only what was signed.

import { blockReceipts, type Block } from './block.ts';
import { txHash, type SignedTx } from './tx.ts';

export interface BlockView {
  height: number;
  hash: string;
  header: Block['header'];
  signature: string;
  transactions: (SignedTx & { hash: string })[];
  receipts: ReturnType<typeof blockReceipts>;
}

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
