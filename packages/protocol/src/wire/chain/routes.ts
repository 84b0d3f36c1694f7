// The chain node's RPC operations, each defined once for the node and its clients (lodestar's
// route definitions): method, path (`:name` segments), what it takes, and its success status
// and answer. The node adds the errors it answers with (packages/chain/src/rpc.ts); a client
// builds its calls from the same definitions.

import { Type, type TSchema, type TString } from 'typebox';
import { AccountProof, AccountProofQuery, BondsOf, BondsQuery, ChainAccount, AccountTxs, SlashView } from './accounts.ts';
import { BlockRange, BlockRangeQuery, BlockView, Block, ReceivedBlock } from './blocks.ts';
import { AuthorityList, ChainHead, SettledReceipt } from './rpc.ts';
import { MAX_BATCH_TXS, Mempool, SignedTx, SubmitTxsBody, SubmittedTx, SubmittedTxs, TxStatusView } from './transactions.ts';

export interface ChainRoute {
  method: 'GET' | 'POST';
  url: string;
  summary: string;
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  /** The success status: 200, or 202 for what the node takes to process later. */
  status: 200 | 202;
  response: TSchema;
}

// Typed by the name (not a computed key), so the declarations a consumer reads name the parameter.
const param = <Name extends string>(name: Name, description: string) => Type.Object({ [name]: Type.String({ description }) } as { [K in Name]: TString });
const AddressParams = param('address', 'ait1… address');

export const CHAIN_RPC = {
  head: { method: 'GET', url: '/rpc/head', summary: 'The head block (chain id, height, hash, timestamp, state root) and the highest final block', status: 200, response: ChainHead },
  authorities: {
    method: 'GET',
    url: '/rpc/authorities',
    summary: "The authorities in proposer order with each one's latest finality vote, the votes finality needs, and the head and final heights",
    status: 200,
    response: AuthorityList,
  },
  blocks: {
    method: 'GET',
    url: '/rpc/blocks',
    summary: 'Blocks by height range (sync): up to `limit` (default and max 100) blocks from height `from`, in order',
    query: BlockRangeQuery,
    status: 200,
    response: BlockRange,
  },
  block: { method: 'GET', url: '/rpc/blocks/:id', summary: 'A block by height or hash, with its transactions and receipts', params: param('id', 'height or block hash'), status: 200, response: BlockView },
  submitBlock: { method: 'POST', url: '/rpc/blocks', summary: 'Hand the node a block {header, hash, signature, txs}; it is fully validated like any other', body: Block, status: 202, response: ReceivedBlock },
  tx: { method: 'GET', url: '/rpc/txs/:hash', summary: 'A transaction, included or pending', params: param('hash', 'transaction hash'), status: 200, response: TxStatusView },
  submitTx: { method: 'POST', url: '/rpc/txs', summary: 'Submit a signed transaction {body, signature}; 202 once admitted to the mempool', body: SignedTx, status: 202, response: SubmittedTx },
  submitTxs: {
    method: 'POST',
    url: '/rpc/txs/batch',
    summary: `Submit up to ${MAX_BATCH_TXS} signed transactions in one request, admitted in order as POST /rpc/txs would; each gets its hash or its own error (their signatures are checked on the node's worker threads first)`,
    body: SubmitTxsBody,
    status: 200,
    response: SubmittedTxs,
  },
  mempool: { method: 'GET', url: '/rpc/mempool', summary: 'Transactions waiting for a block', status: 200, response: Mempool },
  account: { method: 'GET', url: '/rpc/accounts/:address', summary: 'Balance and nonce of an address, and what it has bonded and unbonding', params: AddressParams, status: 200, response: ChainAccount },
  accountTxs: { method: 'GET', url: '/rpc/accounts/:address/txs', summary: 'Transactions sent by, addressed to or paying an address, newest first', params: AddressParams, status: 200, response: AccountTxs },
  accountProof: {
    method: 'GET',
    url: '/rpc/accounts/:address/proof',
    summary: "An address's state-tree leaf and sibling path against a block's state root (docs/STATE-TREE.md): proof of its balance and nonce, or of its absence",
    params: AddressParams,
    query: AccountProofQuery,
    status: 200,
    response: AccountProof,
  },
  bonds: {
    method: 'GET',
    url: '/rpc/bonds/:address',
    summary: "An address's bonds (per miner key), its unbonding entries with their release heights, and the slashes of its bonds with their evidence and payouts; each list paged by its own cursor",
    params: AddressParams,
    query: BondsQuery,
    status: 200,
    response: BondsOf,
  },
  slash: { method: 'GET', url: '/rpc/slashes/:receipt_id', summary: 'The slash of a receipt: what it took, from which bond, its payouts and its evidence', params: param('receipt_id', 'the slashed receipt (rcpt-…)'), status: 200, response: SlashView },
  receipt: { method: 'GET', url: '/rpc/receipts/:id', summary: 'A settled receipt, the height of its block, and whether an anchor_proof proved it', params: param('id', 'receipt id (rcpt-…)'), status: 200, response: SettledReceipt },
} as const satisfies Record<string, ChainRoute>;

/** The path of `route` with its `:name` segments filled in (URL-encoded). */
export function chainPath(route: ChainRoute, params: Record<string, string | number> = {}): string {
  return route.url.replace(/:([a-z_]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`${route.url} needs ${name}`);
    return encodeURIComponent(String(value));
  });
}
