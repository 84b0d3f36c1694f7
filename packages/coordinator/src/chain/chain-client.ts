// The coordinator's view of a chain node: its HTTP RPC, with a timeout on every call. A node that
// cannot be reached, times out or answers 5xx is SYSTEM_UPSTREAM_ERROR (502), so routes that need
// it say so in the seed's envelope; a refused transaction is an answer, not an error: its code
// and typed context (docs/API.md, "Chain refusals").

import { ApiError, type Receipt } from '@aitbc/protocol';
import { BOND_PAGE_MAX, CHAIN_RPC as R, chainPath } from '@aitbc/protocol/wire';
import type * as Wire from '@aitbc/protocol/wire';
import { isTxRefusal, type SignedTx, type TxRefusal } from '@aitbc/chain';

// The parts of the node's answers the coordinator reads: the wire's shapes (@aitbc/protocol/wire).
export type ChainHead = Pick<Wire.ChainHead, 'chain_id' | 'height' | 'hash' | 'finalized_height'>;
export type ChainTxView = Pick<Wire.TxStatusView, 'hash' | 'status' | 'final' | 'block_height'>;
export type ChainBlock = Pick<Wire.BlockView, 'height' | 'hash' | 'transactions'>;
/** A slash as the node shows it (GET /rpc/slashes/{receipt_id}); amounts in AITBC. */
export type ChainSlash = Omit<Wire.SlashView, 'bond_address' | 'coordinator_key' | 'evidence'>;
/** One page of an address's unbonding entries (GET /rpc/bonds/{address}). */
export type ChainUnbondings = { items: Omit<Wire.UnbondingView, 'address'>[]; next: string | null };

/** A refusal's detail, and its code and context when it is the chain's (not, say, the edge's VALIDATION_INVALID_FORMAT). */
export type SubmitOutcome = { kind: 'accepted'; hash: string } | { kind: 'refused'; reason: string; refusal: TxRefusal | null };

export class ChainClient {
  constructor(
    readonly url: string,
    private readonly timeoutMs = 5_000,
  ) {}

  private unreachable(detail: string): ApiError {
    return new ApiError('SYSTEM_UPSTREAM_ERROR', `The chain node at ${this.url} ${detail}; nothing was changed. Retry later; operators: check that the node runs and --chain-url points at it`);
  }

  /** JSON from the node; null for a 404; throws SYSTEM_UPSTREAM_ERROR when it cannot answer. */
  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T } | null> {
    let response: Response;
    try {
      response = await fetch(this.url + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? `did not answer within ${this.timeoutMs} ms` : 'cannot be reached';
      throw this.unreachable(reason);
    }
    const text = await response.text().catch(() => '');
    if (response.status === 404 && method === 'GET') return null;
    if (response.status >= 500) throw this.unreachable(`answered ${response.status}`);
    let parsed: T;
    try {
      parsed = JSON.parse(text) as T;
    } catch {
      throw this.unreachable(`answered ${response.status} with something that is not JSON`);
    }
    if (response.status >= 400 && !(method === 'POST' && response.status === 422)) throw this.unreachable(`answered ${response.status}: ${text.slice(0, 200)}`);
    return { status: response.status, body: parsed };
  }

  async head(): Promise<ChainHead> {
    const answer = await this.call<ChainHead>('GET', chainPath(R.head));
    if (!answer) throw this.unreachable('has no /rpc/head (is it an AITBC node?)');
    return answer.body;
  }

  /** Up to `limit` blocks from height `from`, in order. */
  async blocks(from: number, limit: number): Promise<ChainBlock[]> {
    const answer = await this.call<{ blocks: ChainBlock[] }>('GET', `${chainPath(R.blocks)}?from=${from}&limit=${limit}`);
    return answer?.body.blocks ?? [];
  }

  async tx(hash: string): Promise<ChainTxView | null> {
    return (await this.call<ChainTxView>('GET', chainPath(R.tx, { hash })))?.body ?? null;
  }

  async account(address: string): Promise<{ balance: string; nonce: number }> {
    const answer = await this.call<Pick<Wire.ChainAccount, 'balance' | 'nonce'>>('GET', chainPath(R.account, { address }));
    if (!answer) throw this.unreachable(`does not know account ${address}`);
    return answer.body;
  }

  /** An address's balance in µAIT as of block `height` (0 when it held nothing then); throws when the node has no such block. */
  async balanceAt(address: string, height: number): Promise<bigint> {
    const answer = await this.call<Pick<Wire.AccountProof, 'account'>>('GET', `${chainPath(R.accountProof, { address })}?height=${height}`);
    if (!answer) throw this.unreachable(`has no block ${height}, which the books have already read (is it the same chain?)`);
    // The state leaf as hashed: integer µAIT.
    return BigInt(answer.body.account?.balance ?? 0);
  }

  async receipt(receiptId: string): Promise<{ receipt: Receipt; block_height: number } | null> {
    return (await this.call<Pick<Wire.SettledReceipt, 'receipt' | 'block_height'>>('GET', chainPath(R.receipt, { id: receiptId })))?.body ?? null;
  }

  async slash(receiptId: string): Promise<ChainSlash | null> {
    return (await this.call<ChainSlash>('GET', chainPath(R.slash, { receipt_id: receiptId })))?.body ?? null;
  }

  async unbondings(address: string, after: string | null): Promise<ChainUnbondings> {
    const query = after === null ? '' : `&unbondings_after=${encodeURIComponent(after)}`;
    const answer = await this.call<{ unbondings: ChainUnbondings }>('GET', `${chainPath(R.bonds, { address })}?limit=${BOND_PAGE_MAX}${query}`);
    return answer?.body.unbondings ?? { items: [], next: null };
  }

  async submit(tx: SignedTx): Promise<SubmitOutcome> {
    const answer = (await this.call<{ hash?: string; detail?: string }>('POST', chainPath(R.submitTx), tx))!;
    if (answer.status === 422) return { kind: 'refused', reason: answer.body.detail ?? 'refused without a reason', refusal: isTxRefusal(answer.body) ? answer.body : null };
    return { kind: 'accepted', hash: answer.body.hash ?? '' };
  }
}
