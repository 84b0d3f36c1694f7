// The chain node's RPC and its WebSocket subscription (WS /rpc/ws: one JSON event per message,
// packages/chain/src/subscriptions.ts). The paths are the wire's route definitions (CHAIN_RPC),
// checked against them by type only: importing CHAIN_RPC itself would bring its TypeBox schemas
// into the page (76 kB of the 111 kB bundle), which only the servers need.

import type {
  CHAIN_RPC,
  AccountProof,
  AccountTxs,
  AuthorityList,
  BlockRange,
  BlockView,
  ChainAccount,
  ChainEvent,
  ChainHead,
  ChainTopic,
  SettledReceipt,
  TxStatusView,
} from '@aitbc/protocol/wire';
import { query, requestJson } from './http.ts';

type RouteName = 'head' | 'authorities' | 'blocks' | 'block' | 'tx' | 'account' | 'accountTxs' | 'accountProof' | 'receipt';
/** Each path exactly as CHAIN_RPC has it: the typecheck fails when one drifts. */
const PATHS: { [Name in RouteName]: (typeof CHAIN_RPC)[Name]['url'] } = {
  head: '/rpc/head',
  authorities: '/rpc/authorities',
  blocks: '/rpc/blocks',
  block: '/rpc/blocks/:id',
  tx: '/rpc/txs/:hash',
  account: '/rpc/accounts/:address',
  accountTxs: '/rpc/accounts/:address/txs',
  accountProof: '/rpc/accounts/:address/proof',
  receipt: '/rpc/receipts/:id',
};

/** The route's path with its one `:name` segment (if any) set to `value`, URL-encoded. */
function pathOf(name: RouteName, value?: string | number): string {
  return PATHS[name].replace(/:[a-z_]+/, () => encodeURIComponent(String(value)));
}

export class ChainRpc {
  constructor(readonly url: string) {}

  head(): Promise<ChainHead> {
    return requestJson(this.url, pathOf('head'));
  }
  authorities(): Promise<AuthorityList> {
    return requestJson(this.url, pathOf('authorities'));
  }
  /** `limit` blocks from height `from`, oldest first. */
  blocks(from: number, limit: number): Promise<BlockRange> {
    return requestJson(this.url, pathOf('blocks') + query({ from, limit }));
  }
  block(id: string | number): Promise<BlockView> {
    return requestJson(this.url, pathOf('block', id));
  }
  tx(hash: string): Promise<TxStatusView> {
    return requestJson(this.url, pathOf('tx', hash));
  }
  account(address: string): Promise<ChainAccount> {
    return requestJson(this.url, pathOf('account', address));
  }
  accountTxs(address: string): Promise<AccountTxs> {
    return requestJson(this.url, pathOf('accountTxs', address));
  }
  /** The address's state-tree proof against the head block's state root. */
  accountProof(address: string): Promise<AccountProof> {
    return requestJson(this.url, pathOf('accountProof', address));
  }
  receipt(id: string): Promise<SettledReceipt> {
    return requestJson(this.url, pathOf('receipt', id));
  }
}

export type SocketState = 'connecting' | 'live' | 'reconnecting';

/**
 * Subscribes to `topics`, reconnecting with a growing pause (1 s … 15 s) when the node goes away.
 * `onOpen` runs on every (re)connection, so a page can reload what it may have missed.
 * Returns the function that ends the subscription.
 */
export function subscribe(
  chainUrl: string,
  topics: readonly ChainTopic[],
  handlers: { onEvent: (event: ChainEvent) => void; onState?: (state: SocketState) => void; onOpen?: () => void },
): () => void {
  const url = `${chainUrl.replace(/^http/, 'ws')}/rpc/ws?topics=${topics.join(',')}`;
  let socket: WebSocket | null = null;
  let stopped = false;
  let pauseMs = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = () => {
    handlers.onState?.(socket ? 'reconnecting' : 'connecting');
    socket = new WebSocket(url);
    socket.onopen = () => {
      pauseMs = 1000;
      handlers.onState?.('live');
      handlers.onOpen?.();
    };
    socket.onmessage = (message) => {
      try {
        const event = JSON.parse(String(message.data)) as ChainEvent;
        if (event && typeof event === 'object' && 'topic' in event) handlers.onEvent(event);
      } catch {
        // a message that is not an event (an error notice before a close) is ignored
      }
    };
    socket.onclose = () => {
      if (stopped) return;
      handlers.onState?.('reconnecting');
      timer = setTimeout(open, pauseMs);
      pauseMs = Math.min(pauseMs * 2, 15_000);
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close();
  };
}
