// @aitbc/protocol: the browser-safe truth every AITBC package shares. The ZK side is
// @aitbc/protocol/zk, the wire contract @aitbc/protocol/wire, the Node-only parts @aitbc/protocol/node.
export * from './errors.ts';
export * from './encoding.ts';
export * from './money.ts';
export * from './ids.ts';
export * from './jcs.ts';
export * from './keys.ts';
export * from './address.ts';
export * from './receipt.ts';
export * from './tx-sign.ts';
export * from './redact.ts';
export * from './crypto-backend.ts';
export * from './job-params.ts';
export * from './job-types/index.ts';
export * from './state-tree.ts';
export * from './memo.ts';
