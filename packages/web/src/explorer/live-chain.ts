// The explorer's live view of the chain: the head, the final height, the latest blocks,
// transactions and receipts, kept current by the node's WebSocket events (no polling). A head
// event brings its block (one read per block, for its transactions and receipts); on every
// (re)connection the recent blocks are read again, so nothing missed while away stays missing.
import { useEffect, useReducer, useState } from 'preact/hooks';
import type { BlockView, ChainEvent, ChainHead } from '@aitbc/protocol/wire';
import { subscribe, type ChainRpc, type SocketState } from '../api/chain.ts';

export interface TxRow {
  hash: string;
  status: 'pending' | 'included';
  block_height: number | null;
  body?: BlockView['transactions'][number]['body'];
}

export interface ReceiptRow {
  receipt_id: string;
  block_height: number;
  proven: boolean;
  model?: string;
  price?: string;
}

export interface LiveChain {
  head: ChainHead | null;
  finalHeight: number | null;
  blocks: BlockView[];
  txs: TxRow[];
  receipts: ReceiptRow[];
}

export const SHOWN = { blocks: 10, txs: 15, receipts: 10 };

type Action = { kind: 'head'; head: ChainHead } | { kind: 'block'; block: BlockView } | { kind: 'event'; event: ChainEvent };

function upsert<T>(list: T[], item: T, same: (a: T) => boolean, merge: (old: T) => T, limit: number): T[] {
  const at = list.findIndex(same);
  if (at >= 0) return list.map((old, index) => (index === at ? merge(old) : old));
  return [item, ...list].slice(0, limit);
}

export function reduceLive(state: LiveChain, action: Action): LiveChain {
  switch (action.kind) {
    case 'head':
      return { ...state, head: action.head, finalHeight: Math.max(state.finalHeight ?? 0, action.head.finalized_height) };
    case 'block': {
      const block = action.block;
      const blocks = [block, ...state.blocks.filter((known) => known.height !== block.height)].sort((a, b) => b.height - a.height).slice(0, SHOWN.blocks);
      let txs = state.txs;
      for (const tx of [...block.transactions].reverse()) {
        const row: TxRow = { hash: tx.hash, status: 'included', block_height: block.height, body: tx.body };
        txs = upsert(txs, row, (old) => old.hash === tx.hash, (old) => ({ ...old, ...row }), SHOWN.txs);
      }
      let receipts = state.receipts;
      for (const receipt of [...block.receipts].reverse()) {
        const row: ReceiptRow = { receipt_id: receipt.receipt_id, block_height: block.height, proven: false, model: receipt.model, price: receipt.price };
        receipts = upsert(receipts, row, (old) => old.receipt_id === row.receipt_id, (old) => ({ ...row, proven: old.proven }), SHOWN.receipts);
      }
      const head = state.head && block.height > state.head.height ? { ...state.head, height: block.height, hash: block.hash, timestamp: block.header.timestamp } : state.head;
      return { ...state, head, blocks, txs, receipts };
    }
    case 'event': {
      const event = action.event;
      if (event.topic === 'finalized') return { ...state, finalHeight: Math.max(state.finalHeight ?? 0, event.height) };
      if (event.topic === 'txs') {
        const row: TxRow = { hash: event.hash, status: event.status, block_height: event.block_height };
        return { ...state, txs: upsert(state.txs, row, (old) => old.hash === event.hash, (old) => ({ ...old, status: event.status, block_height: event.block_height }), SHOWN.txs) };
      }
      if (event.topic === 'receipts') {
        const row: ReceiptRow = { receipt_id: event.receipt_id, block_height: event.block_height, proven: event.proven };
        const merge = (old: ReceiptRow) => (event.proven ? { ...old, proven: true } : old);
        return { ...state, receipts: upsert(state.receipts, row, (old) => old.receipt_id === event.receipt_id, merge, SHOWN.receipts) };
      }
      return state;
    }
  }
}

export function useLiveChain(rpc: ChainRpc): { live: LiveChain; socket: SocketState; error: Error | null } {
  const [live, dispatch] = useReducer(reduceLive, { head: null, finalHeight: null, blocks: [], txs: [], receipts: [] });
  const [socket, setSocket] = useState<SocketState>('connecting');
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    const fetchBlock = (height: number) =>
      rpc.block(height).then(
        (block) => dispatch({ kind: 'block', block }),
        () => undefined, // pruned or reorganised away: the next head brings the truth
      );
    const catchUp = async () => {
      try {
        const head = await rpc.head();
        dispatch({ kind: 'head', head });
        const from = Math.max(0, head.height - SHOWN.blocks + 1);
        const range = await rpc.blocks(from, SHOWN.blocks);
        for (const block of range.blocks) dispatch({ kind: 'block', block });
        setError(null);
      } catch (failure) {
        setError(failure as Error);
      }
    };
    return subscribe(rpc.url, ['heads', 'finalized', 'txs', 'receipts'], {
      onState: setSocket,
      onOpen: () => void catchUp(),
      onEvent: (event) => {
        dispatch({ kind: 'event', event });
        if (event.topic === 'heads') void fetchBlock(event.height);
      },
    });
  }, [rpc.url]);
  return { live, socket, error };
}
