// @aitbc/sdk/chain: a chain node's RPC and wallets that sign for it, in browsers and Node alike.
// No Node built-ins and nothing of @aitbc/chain (the node itself): chain-entry.test.ts walks the imports.
export { ChainClient, type ChainClientOptions, type FinalTx, type TxIntent, type WaitForFinalParameters } from './chain-client.ts';
export { Wallet, type BondParameters, type TransferParameters, type TxSigner, type UnbondParameters } from './wallet.ts';
export { AITBC_DERIVATION_PATH, MNEMONIC_WORDS, generateMnemonic, mnemonicProblem, normalizeMnemonic, secretKeyFromMnemonic } from './mnemonic.ts';
export type { ChainSubscription, SubscribeParameters, WebSocketConstructor, WebSocketLike } from './subscribe.ts';
export * from '../errors.ts';
