// Chain blocks on the wire: the header (its hash covers every field), the block as gossiped and
// imported, and the block as the RPC shows it, with each transaction's hash and the receipts it
// settles spelled out.

import { Type, type Static } from 'typebox';
import { Receipt } from '../receipts.ts';
import { HashedTx, SignedTx } from './transactions.ts';

export const BlockHeader = Type.Object({
  height: Type.Integer({ minimum: 0 }),
  parent_hash: Type.String(),
  timestamp: Type.Integer({ description: 'Epoch ms' }),
  proposer: Type.String({ description: "base64url public key of the authority that proposed it ('' for genesis)" }),
  tx_root: Type.String(),
  receipt_root: Type.String(),
  state_root: Type.String(),
});

/** A block as signed and gossiped (POST /rpc/blocks takes it). */
export const Block = Type.Object({
  header: BlockHeader,
  hash: Type.String(),
  signature: Type.String({ description: "base64url proposer signature over the tag and the hash ('' for genesis)" }),
  txs: Type.Array(SignedTx),
});

export const BlockView = Type.Object({
  height: Type.Integer({ minimum: 0 }),
  hash: Type.String(),
  header: BlockHeader,
  signature: Type.String(),
  transactions: Type.Array(HashedTx),
  receipts: Type.Array(Receipt, { description: 'The receipts its settle transactions settle, in order' }),
});

export const BlockRange = Type.Object({ blocks: Type.Array(BlockView) });

/** The most blocks one GET /rpc/blocks answers. */
export const BLOCK_RANGE_MAX = 100;

export const BlockRangeQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'First height (default 0)' })),
  limit: Type.Optional(Type.String({ description: `Blocks, 1–${BLOCK_RANGE_MAX} (default ${BLOCK_RANGE_MAX})` })),
});

export const ReceiveOutcome = Type.Union([Type.Literal('imported'), Type.Literal('known'), Type.Literal('side'), Type.Literal('missing-parent')]);
export const ReceivedBlock = Type.Object({
  outcome: { ...ReceiveOutcome, description: 'imported onto the head; known already; side (kept on a fork); missing-parent (sync first)' },
  head: Type.Integer({ description: "The node's head height after it" }),
});

export type BlockHeader = Static<typeof BlockHeader>;
export type Block = Static<typeof Block>;
export type BlockView = Static<typeof BlockView>;
export type BlockRange = Static<typeof BlockRange>;
export type BlockRangeQuery = Static<typeof BlockRangeQuery>;
export type ReceiveOutcome = Static<typeof ReceiveOutcome>;
export type ReceivedBlock = Static<typeof ReceivedBlock>;
