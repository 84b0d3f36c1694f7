// @aitbc/protocol/wire: the wire contract of every AITBC service as TypeBox schemas, each with its
// Static type. One definition gives the servers' validation and OpenAPI documents, and the
// clients' types (the SDK, the web app). Browser-safe: typebox and this package only.
//
// Coordinator API (docs/API.md), by resource:
export * from './common.ts';
export * from './errors.ts';
export * from './jobs.ts';
export * from './miners.ts';
export * from './receipts.ts';
export * from './money.ts';
export * from './keys.ts';
export * from './admin.ts';
export * from './info.ts';
export * from './openai.ts';
// Chain node RPC:
export * from './chain/transactions.ts';
export * from './chain/blocks.ts';
export * from './chain/accounts.ts';
export * from './chain/rpc.ts';
export * from './chain/routes.ts';
