// @aitbc/chain: the proof-of-authority chain node (transactions, blocks, state, storage, RPC).
export * from './tx.ts';
export * from './errors.ts';
export { TX_TYPES, checkTxForm, txEffects, validateTxShape, type TxShape } from './txs/registry.ts';
export { SETTLE_MAX_RECEIPTS } from './txs/settle.ts';
export type { TxEffects, TxType } from './txs/types.ts';
export * from './block.ts';
export * from './genesis.ts';
export * from './merkle.ts';
export * from './state.ts';
export * from './node.ts';
export * from './consensus.ts';
export { ChainStore } from './store/chain-store.ts';
export { buildRpc, BLOCK_RANGE_MAX, type RpcOptions } from './rpc.ts';
export { Gossip, type GossipOptions, DEFAULT_MAX_INBOUND_PEERS, DEFAULT_PEER_BUFFER_BYTES, DEFAULT_PEER_MESSAGE_BYTES } from './p2p.ts';
export { DEFAULT_SYNC_PAGE_BYTES } from './sync.ts';
export { Subscriptions, type SubscriptionLimits, DEFAULT_MAX_SUBSCRIBERS, DEFAULT_SUBSCRIBER_BUFFER_BYTES } from './subscriptions.ts';
export * from './wallet/index.ts';
export * from './views.ts';
