// The rest of the chain node's RPC answers: the head, a settled receipt, and the events of the
// WS /rpc/ws subscription (one JSON message per event).

import { Type, type Static } from 'typebox';
import { Nullable } from '../common.ts';
import { Receipt } from '../receipts.ts';

export const ChainHead = Type.Object({
  chain_id: Type.String(),
  height: Type.Integer(),
  hash: Type.String(),
  timestamp: Type.Integer({ description: 'Epoch ms of the head block' }),
  state_root: Type.String(),
  finalized_height: Type.Integer({ description: 'The highest final block' }),
  finalized_hash: Type.String(),
});

export const AuthorityView = Type.Object({
  position: Type.Integer({ description: 'Place in the proposer order: it proposes the blocks of slots s where s mod n = position' }),
  public_key: Type.String({ description: 'base64url Ed25519 key, as genesis lists it' }),
  address: Type.String({ description: 'ait1… address of that key' }),
  voted_height: Nullable(Type.Integer({ description: "Height of this authority's latest finality vote known to this node" })),
  voted_hash: Nullable(Type.String()),
});

export const AuthorityList = Type.Object({
  chain_id: Type.String(),
  block_interval_ms: Type.Integer({ description: 'One slot: each authority proposes in its own slots' }),
  finality_threshold: Type.Integer({ description: 'Votes a block needs to become final (more than two thirds of the authorities)' }),
  head_height: Type.Integer(),
  finalized_height: Type.Integer(),
  finalized_hash: Type.String(),
  authorities: Type.Array(AuthorityView),
});

export const SettledReceipt = Type.Object({
  receipt: Receipt,
  block_height: Type.Integer({ description: 'The block that settled it' }),
  proven: Type.Boolean({ description: 'An anchor_proof transaction proved it' }),
  proof_tx_hash: Nullable(Type.String()),
  proof_block_height: Nullable(Type.Integer()),
});

export const CHAIN_TOPICS = ['heads', 'finalized', 'txs', 'receipts'] as const;
export type ChainTopic = (typeof CHAIN_TOPICS)[number];

export const HeadEvent = Type.Object({ topic: Type.Literal('heads'), height: Type.Integer(), hash: Type.String(), timestamp: Type.Integer(), txs: Type.Integer({ description: 'Transactions in the block' }) });
export const FinalizedEvent = Type.Object({ topic: Type.Literal('finalized'), height: Type.Integer(), hash: Type.String() });
export const TxEvent = Type.Object({
  topic: Type.Literal('txs'),
  hash: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('included')]),
  block_height: Nullable(Type.Integer()),
});
export const ReceiptEvent = Type.Object({ topic: Type.Literal('receipts'), receipt_id: Type.String(), block_height: Type.Integer(), proven: Type.Boolean() });
export const ChainEvent = Type.Union([HeadEvent, FinalizedEvent, TxEvent, ReceiptEvent]);

export type ChainHead = Static<typeof ChainHead>;
export type SettledReceipt = Static<typeof SettledReceipt>;
export type AuthorityView = Static<typeof AuthorityView>;
export type AuthorityList = Static<typeof AuthorityList>;
export type HeadEvent = Static<typeof HeadEvent>;
export type FinalizedEvent = Static<typeof FinalizedEvent>;
export type TxEvent = Static<typeof TxEvent>;
export type ReceiptEvent = Static<typeof ReceiptEvent>;
export type ChainEvent = Static<typeof ChainEvent>;
