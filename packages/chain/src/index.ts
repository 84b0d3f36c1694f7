// @aitbc/chain: the proof-of-authority chain node (transactions, blocks, state, storage, RPC).
export * from './tx.ts';
export * from './block.ts';
export * from './genesis.ts';
export * from './merkle.ts';
export * from './state.ts';
export * from './node.ts';
export * from './consensus.ts';
export { ChainStore } from './store/chain-store.ts';
export { buildRpc, BLOCK_RANGE_MAX } from './rpc.ts';
export { Gossip, type GossipOptions } from './p2p.ts';
export * from './wallet/index.ts';
export * from './views.ts';
