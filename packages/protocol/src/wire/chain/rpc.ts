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
export type HeadEvent = Static<typeof HeadEvent>;
export type FinalizedEvent = Static<typeof FinalizedEvent>;
export type TxEvent = Static<typeof TxEvent>;
export type ReceiptEvent = Static<typeof ReceiptEvent>;
export type ChainEvent = Static<typeof ChainEvent>;
