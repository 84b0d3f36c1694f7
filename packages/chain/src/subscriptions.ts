// WS /rpc/ws: pushes the node's events to a subscriber as they happen, one JSON message each.
//   {topic: 'heads', height, hash, timestamp, txs}           a block joined this node's chain
//   {topic: 'finalized', height, hash}                        a block (and its ancestors) became final
//   {topic: 'txs', hash, status: 'pending' | 'included', block_height}
//   {topic: 'receipts', receipt_id, block_height, proven}    a receipt was settled (proven: false)
//                                                            or proven (true) in a block

import type WebSocket from 'ws';
import { blockReceipts, type Block } from './block.ts';
import type { ChainNode, FinalBlock } from './node.ts';
import { txHash, type SignedTx } from './tx.ts';

export const TOPICS = ['heads', 'finalized', 'txs', 'receipts'] as const;

export function subscribe(node: ChainNode, socket: WebSocket, topicList: string | undefined): void {
  const wanted = new Set(topicList ? topicList.split(',').map((topic) => topic.trim()) : TOPICS);
  const unknown = [...wanted].filter((topic) => !(TOPICS as readonly string[]).includes(topic));
  if (unknown.length > 0) {
    socket.send(JSON.stringify({ error_code: 'VALIDATION_INVALID_FORMAT', detail: `Unknown topic ${unknown.join(', ')}; topics are ${TOPICS.join(', ')}`, field: 'topics' }));
    socket.close(1008, 'unknown topic');
    return;
  }
  const send = (message: Record<string, unknown>) => socket.send(JSON.stringify(message));
  const onBlock = (block: Block) => {
    const height = block.header.height;
    if (wanted.has('heads')) send({ topic: 'heads', height, hash: block.hash, timestamp: block.header.timestamp, txs: block.txs.length });
    if (wanted.has('txs')) for (const tx of block.txs) send({ topic: 'txs', hash: txHash(tx.body), status: 'included', block_height: height });
    if (wanted.has('receipts')) {
      for (const receipt of blockReceipts(block)) send({ topic: 'receipts', receipt_id: receipt.receipt_id, block_height: height, proven: false });
      for (const tx of block.txs) if (tx.body.type === 'anchor_proof') send({ topic: 'receipts', receipt_id: tx.body.receipt_id, block_height: height, proven: true });
    }
  };
  const onTx = (_tx: SignedTx, hash: string) => {
    if (wanted.has('txs')) send({ topic: 'txs', hash, status: 'pending', block_height: null });
  };
  const onFinal = (final: FinalBlock) => {
    if (wanted.has('finalized')) send({ topic: 'finalized', height: final.height, hash: final.hash });
  };
  node.on('block', onBlock);
  node.on('tx', onTx);
  node.on('finalized', onFinal);
  socket.on('close', () => {
    node.off('block', onBlock);
    node.off('tx', onTx);
    node.off('finalized', onFinal);
  });
}
