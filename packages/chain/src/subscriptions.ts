// WS /rpc/ws: pushes the node's events to a subscriber as they happen, one JSON message each.
//   {topic: 'heads', height, hash, timestamp, txs}           a block joined this node's chain
//   {topic: 'finalized', height, hash}                        a block (and its ancestors) became final
//   {topic: 'txs', hash, status: 'pending' | 'included', block_height}
//   {topic: 'receipts', receipt_id, block_height, proven}    a receipt was settled (proven: false)
//                                                            or proven (true) in a block
// One set of node listeners serves every subscriber: each event's messages are written once and
// the same text goes to each subscriber that wants the topic. A subscriber that leaves more than
// `maxBufferedBytes` unread is dropped (close 1008), and at most `maxSubscribers` are served.

import WebSocket from 'ws';
import { blockReceipts, type Block } from './block.ts';
import type { ChainNode, FinalBlock } from './node.ts';
import { CHAIN_TOPICS, type ChainEvent, type ChainTopic } from '@aitbc/protocol/wire';
import { CLOSE_TRY_LATER, capIncoming, sendBounded } from './sockets.ts';
import { txHash, type SignedTx } from './tx.ts';
import { txEffects } from './txs/registry.ts';

/** The topics and their messages are the wire's (@aitbc/protocol/wire, ChainEvent). */
export const TOPICS = CHAIN_TOPICS;
type Topic = ChainTopic;

export interface SubscriptionLimits {
  /** Subscribers served at once; more are refused (503 before the upgrade, 1013 after). */
  maxSubscribers?: number;
  /** Bytes a subscriber may leave unread before it is dropped. */
  maxBufferedBytes?: number;
}

/** 256 subscribers (explorers, wallets, coordinators: a node serves few). */
export const DEFAULT_MAX_SUBSCRIBERS = 256;
/** 1 MiB unread: thousands of messages (~100 bytes each), over a second of a busy chain. */
export const DEFAULT_SUBSCRIBER_BUFFER_BYTES = 1024 * 1024;
/** Subscribers only listen; their largest message (beyond ws pings) is refused above this. */
const SUBSCRIBER_MESSAGE_BYTES = 4096;

interface Subscriber {
  socket: WebSocket;
  topics: Set<Topic>;
}

export class Subscriptions {
  private readonly subscribers = new Set<Subscriber>();
  readonly maxSubscribers: number;
  readonly maxBufferedBytes: number;

  constructor(
    node: ChainNode,
    limits: SubscriptionLimits = {},
    private readonly log: (event: Record<string, unknown>) => void = () => undefined,
  ) {
    this.maxSubscribers = limits.maxSubscribers ?? DEFAULT_MAX_SUBSCRIBERS;
    this.maxBufferedBytes = limits.maxBufferedBytes ?? DEFAULT_SUBSCRIBER_BUFFER_BYTES;
    node.on('block', (block: Block) => this.guarded('block', () => this.onBlock(block)));
    node.on('tx', (_tx: SignedTx, hash: string) => this.guarded('tx', () => this.push('txs', [{ topic: 'txs', hash, status: 'pending', block_height: null }])));
    node.on('finalized', (final: FinalBlock) => this.guarded('finalized', () => this.push('finalized', [{ topic: 'finalized', height: final.height, hash: final.hash }])));
  }

  /** Subscribers being served. */
  count(): number {
    return this.subscribers.size;
  }

  full(): boolean {
    return this.subscribers.size >= this.maxSubscribers;
  }

  /** Serves `socket` the topics it names (comma-separated; all when absent). */
  add(socket: WebSocket, topicList: unknown): void {
    socket.on('error', () => undefined); // a subscriber that vanishes mid-write is just gone
    // A repeated ?topics= arrives as a list: String() joins it with commas.
    const wanted = new Set(topicList === undefined ? TOPICS : String(topicList).split(',').map((topic) => topic.trim()));
    const unknown = [...wanted].filter((topic) => !(TOPICS as readonly string[]).includes(topic));
    if (unknown.length > 0) {
      socket.send(JSON.stringify({ error_code: 'VALIDATION_INVALID_FORMAT', detail: `Unknown topic ${unknown.join(', ').slice(0, 200)}; topics are ${TOPICS.join(', ')}`, field: 'topics' }));
      socket.close(1008, 'unknown topic');
      return;
    }
    if (this.full()) {
      // Upgrades that raced past the pre-upgrade check.
      socket.close(CLOSE_TRY_LATER, `this node serves at most ${this.maxSubscribers} subscribers; retry later`);
      return;
    }
    capIncoming(socket, SUBSCRIBER_MESSAGE_BYTES);
    const subscriber: Subscriber = { socket, topics: wanted as Set<Topic> };
    this.subscribers.add(subscriber);
    socket.on('close', () => this.subscribers.delete(subscriber));
  }

  private onBlock(block: Block): void {
    const height = block.header.height;
    this.push('heads', [{ topic: 'heads', height, hash: block.hash, timestamp: block.header.timestamp, txs: block.txs.length }]);
    if (this.wants('txs')) this.push('txs', block.txs.map((tx) => ({ topic: 'txs', hash: txHash(tx.body), status: 'included', block_height: height })));
    if (this.wants('receipts')) {
      const settled = blockReceipts(block).map((receipt): ChainEvent => ({ topic: 'receipts', receipt_id: receipt.receipt_id, block_height: height, proven: false }));
      const proven = block.txs.flatMap((tx) => (txEffects(tx.body).proves ?? []).map((receiptId): ChainEvent => ({ topic: 'receipts', receipt_id: receiptId, block_height: height, proven: true })));
      this.push('receipts', [...settled, ...proven]);
    }
  }

  private wants(topic: Topic): boolean {
    for (const subscriber of this.subscribers) if (subscriber.topics.has(topic)) return true;
    return false;
  }

  /** Sends each message, written once, to every subscriber of `topic`, dropping those that do not read. */
  private push(topic: Topic, messages: ChainEvent[]): void {
    if (messages.length === 0 || !this.wants(topic)) return;
    const texts = messages.map((message) => JSON.stringify(message));
    const reason = `subscriber too slow: more than ${this.maxBufferedBytes} bytes unread`;
    for (const subscriber of this.subscribers) {
      if (!subscriber.topics.has(topic)) continue;
      for (const text of texts) if (!sendBounded(subscriber.socket, text, this.maxBufferedBytes, reason)) break;
    }
  }

  /** A fault while pushing must not reach the node that emitted the event (nor the process). */
  private guarded(event: string, push: () => void): void {
    try {
      push();
    } catch (error) {
      this.log({ event: 'subscription_push_failed', on: event, reason: (error as Error).message });
    }
  }
}
