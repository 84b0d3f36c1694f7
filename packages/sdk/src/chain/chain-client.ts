// A typed client for a chain node's RPC: the head, blocks, transactions, accounts and their
// history, submitting signed transactions (with the next free nonce) and subscriptions. Answers
// are the wire's types (@aitbc/protocol/wire); errors are the SDK's classes (errorFromResponse),
// with its retry rules (transport.ts). Browser-safe.

import type {
  AccountProof,
  AccountTx,
  BlockView,
  CHAIN_RPC,
  ChainAccount,
  ChainHead,
  HashedTx,
  SignedTx,
  SubmittedTx,
  SubmittedTxs,
  TxStatusView,
} from '@aitbc/protocol/wire';
import type { UnsignedTxBody } from '@aitbc/protocol';
import { NotFoundError, WaitTimeoutError } from '../errors.ts';
import { Transport, type TransportOptions } from '../transport.ts';
import { openSubscription, type ChainSubscription, type SubscribeParameters, type WebSocketConstructor } from './subscribe.ts';
import type { TxSigner } from './wallet.ts';

type RouteName = 'head' | 'blocks' | 'block' | 'tx' | 'submitTx' | 'submitTxs' | 'mempool' | 'account' | 'accountTxs' | 'accountProof';
/**
 * Each path exactly as CHAIN_RPC has it: the typecheck fails when one drifts. Checked by type only,
 * so that a page using this client does not load the TypeBox schemas, which only servers need.
 */
const PATHS: { [Name in RouteName]: (typeof CHAIN_RPC)[Name]['url'] } = {
  head: '/rpc/head',
  blocks: '/rpc/blocks',
  block: '/rpc/blocks/:id',
  tx: '/rpc/txs/:hash',
  submitTx: '/rpc/txs',
  submitTxs: '/rpc/txs/batch',
  mempool: '/rpc/mempool',
  account: '/rpc/accounts/:address',
  accountTxs: '/rpc/accounts/:address/txs',
  accountProof: '/rpc/accounts/:address/proof',
};

/** The route's path with its one `:name` segment (if any) set to `value`, URL-encoded. */
const pathOf = (name: RouteName, value?: string | number) => PATHS[name].replace(/:[a-z_]+/, () => encodeURIComponent(String(value)));

/** A transaction body before the client fills in the chain id and the sender's next nonce. */
export type TxIntent = UnsignedTxBody extends infer Body ? (Body extends UnsignedTxBody ? Omit<Body, 'chain_id' | 'nonce'> : never) : never;

export interface ChainClientOptions extends Omit<TransportOptions, 'baseUrl' | 'apiKey'> {
  /** The node's RPC, e.g. http://127.0.0.1:8545. */
  url: string;
  /** For subscribe() and waitForFinal(): default globalThis.WebSocket (browsers, Node 22+); in Node 20 pass the `ws` package's. */
  WebSocket?: WebSocketConstructor | undefined;
}

export interface WaitForFinalParameters {
  /** Give up after this long (the transaction stays where it is). Default 2 minutes. */
  timeoutMs?: number;
  /** Checks again this often besides on every new final block, should an event be missed. Default 2 s. */
  recheckMs?: number;
  /** Called when the transaction is first seen in a block, before it is final. */
  onIncluded?: (tx: TxStatusView) => void;
}

/** A transaction in a final block: it cannot be reverted. */
export type FinalTx = TxStatusView & { status: 'included'; final: true; block_height: number };

export class ChainClient {
  readonly url: string;
  private readonly http: Transport;
  private readonly WebSocketImpl: WebSocketConstructor | undefined;
  private chainId: string | null = null;

  /** @example const chain = new ChainClient({ url: 'http://127.0.0.1:8545' }); const { height } = await chain.head(); */
  constructor(options: ChainClientOptions) {
    this.url = options.url.replace(/\/$/, '');
    this.http = new Transport({ ...options, baseUrl: this.url });
    this.WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  }

  private async get<T>(path: string): Promise<T> {
    return (await this.http.send({ method: 'GET', path, idempotent: true })).body as T;
  }

  /** The head block and the highest final block. */
  head(): Promise<ChainHead> {
    return this.get(pathOf('head'));
  }

  /** A block by height or hash, with its transactions and the receipts it settles. NotFoundError when there is none. */
  block(heightOrHash: number | string): Promise<BlockView> {
    return this.get(pathOf('block', heightOrHash));
  }

  /** Up to `limit` (at most 100) blocks from height `from`, oldest first. */
  async blocks(parameters: { from: number; limit?: number }): Promise<BlockView[]> {
    const query = `?from=${parameters.from}${parameters.limit === undefined ? '' : `&limit=${parameters.limit}`}`;
    return (await this.get<{ blocks: BlockView[] }>(pathOf('blocks') + query)).blocks;
  }

  /** A transaction, in a block (with `final`) or waiting in the mempool. NotFoundError when the node knows neither. */
  tx(hash: string): Promise<TxStatusView> {
    return this.get(pathOf('tx', hash));
  }

  /** Balance, nonce, bonded and unbonding AITBC of an address (zero for one never seen). */
  account(address: string): Promise<ChainAccount> {
    return this.get(pathOf('account', address));
  }

  /**
   * An address's leaf and sibling path in the state tree of block `height` (default: the head):
   * proof of its balance and nonce, or of its absence. Check it with `verifyAccountProof(answer,
   * root)` from @aitbc/protocol, `root` being the state root of a header you trust (docs/STATE-TREE.md).
   * NotFoundError when there is no block at `height`.
   * @example const answer = await chain.accountProof(address); verifyAccountProof(answer, (await chain.block(answer.height)).header.state_root);
   */
  accountProof(address: string, height?: number): Promise<AccountProof> {
    return this.get(pathOf('accountProof', address) + (height === undefined ? '' : `?height=${height}`));
  }

  /** Transactions sent by, addressed to or paying an address, newest first, each with its block's height and time. */
  async history(address: string): Promise<AccountTx[]> {
    return (await this.get<{ transactions: AccountTx[] }>(pathOf('accountTxs', address))).transactions;
  }

  /** Transactions waiting for a block. */
  async mempool(): Promise<HashedTx[]> {
    return (await this.get<{ transactions: HashedTx[] }>(pathOf('mempool'))).transactions;
  }

  /**
   * The nonce the address's next transaction must carry: past its account nonce and every one of
   * its transactions still in the mempool. The mempool is read first: should a block include some
   * of them meanwhile, the account's nonce, read second, already counts them.
   */
  async nextNonce(address: string): Promise<number> {
    const pending = (await this.mempool()).filter((tx) => tx.body.from === address).map((tx) => tx.body.nonce + 1);
    const account = await this.account(address);
    return Math.max(account.nonce, ...pending);
  }

  /** The chain's id (asked once: a node serves one chain). */
  async getChainId(): Promise<string> {
    this.chainId ??= (await this.head()).chain_id;
    return this.chainId;
  }

  /**
   * Signs `intent` with the chain's id and the signer's next nonce; nothing is sent.
   * @example const tx = await chain.prepare(wallet, { type: 'transfer', to, amount: '2.5', fee: '0.001' });
   */
  async prepare(signer: TxSigner, intent: TxIntent): Promise<SignedTx> {
    return (await this.prepareMany(signer, [intent]))[0]!;
  }

  /**
   * Signs each intent in order with the chain's id and the signer's next nonces (one after another),
   * for submitMany(); nothing is sent.
   * @example const txs = await chain.prepareMany(wallet, payouts.map(({ to, amount }) => ({ type: 'transfer', to, amount, fee: '0' })));
   */
  async prepareMany(signer: TxSigner, intents: TxIntent[]): Promise<SignedTx[]> {
    const [chainId, first] = await Promise.all([this.getChainId(), this.nextNonce(signer.address)]);
    return intents.map((intent, k) => signer.sign({ ...intent, chain_id: chainId, nonce: first + k } as UnsignedTxBody));
  }

  /**
   * Hands a signed transaction to the node: 202 once it is in the mempool. A refusal is a
   * ValidationError with the chain's code (CHAIN_TX_*) and `field`. Not retried unless the node
   * said it took nothing (a full mempool's 503).
   */
  async submit(tx: SignedTx): Promise<SubmittedTx> {
    return (await this.http.send({ method: 'POST', path: pathOf('submitTx'), body: tx, idempotent: false })).body as SubmittedTx;
  }

  /**
   * Hands up to 500 signed transactions to the node in one request, admitted in order: for each,
   * its hash, or the error envelope the node would have refused it with alone (`field` under
   * `transactions.<i>`). Not retried, as submit(). prepareMany() signs them.
   */
  async submitMany(txs: SignedTx[]): Promise<SubmittedTxs['results']> {
    return ((await this.http.send({ method: 'POST', path: pathOf('submitTxs'), body: { transactions: txs }, idempotent: false })).body as SubmittedTxs).results;
  }

  /**
   * prepare() then submit(): the transaction signed and in the node's mempool.
   * @example const { hash } = await chain.send(wallet, { type: 'transfer', to, amount: '2.5', fee: '0.001' });
   */
  async send(signer: TxSigner, intent: TxIntent): Promise<SubmittedTx & { tx: SignedTx }> {
    const tx = await this.prepare(signer, intent);
    return { ...(await this.submit(tx)), tx };
  }

  /**
   * The node's events as they happen (WS /rpc/ws).
   * @example const sub = chain.subscribe({ topics: ['heads'], onEvent: (e) => console.log(e) }); await sub.opened;
   */
  subscribe(parameters: SubscribeParameters): ChainSubscription {
    return openSubscription(this.url, this.WebSocketImpl, parameters);
  }

  /**
   * Resolves once transaction `hash` is in a final block, checking again at every newly final
   * block. A WaitTimeoutError after `timeoutMs` (the transaction may still become final); a
   * NotFoundError when the node has dropped it.
   */
  async waitForFinal(hash: string, parameters: WaitForFinalParameters = {}): Promise<FinalTx> {
    const giveUpAt = Date.now() + (parameters.timeoutMs ?? 120_000);
    let wake: () => void = () => undefined;
    // Without a WebSocket (none given, none global) the periodic check alone does the work.
    const subscription = this.WebSocketImpl ? this.subscribe({ topics: ['finalized'], onEvent: () => wake() }) : null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let announced = false;
    try {
      await subscription?.opened;
      for (;;) {
        // Armed before the check, so that a block made final during it wakes the next one.
        const woken = new Promise<void>((resolve) => (wake = resolve));
        const tx = await this.tx(hash);
        if (tx.status === 'included' && tx.final && tx.block_height !== null) return tx as FinalTx;
        if (tx.status === 'included' && !announced) {
          announced = true;
          parameters.onIncluded?.(tx);
        }
        const left = giveUpAt - Date.now();
        if (left <= 0) throw new WaitTimeoutError({ errorCode: 'SDK_WAIT_TIMEOUT', detail: `Transaction ${hash} is not final yet (${tx.status}); check it later with GET /rpc/txs/${hash}`, status: 0 });
        await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(left, parameters.recheckMs ?? 2_000))))]);
        clearTimeout(timer);
      }
    } catch (error) {
      if (error instanceof NotFoundError && error.errorCode === 'TX_NOT_FOUND') {
        throw new NotFoundError({ errorCode: 'TX_NOT_FOUND', detail: `Transaction ${hash} is no longer in the node's mempool nor in a block: it was dropped; send it again`, status: 404, requestId: error.requestId });
      }
      throw error;
    } finally {
      clearTimeout(timer);
      subscription?.close();
    }
  }
}
