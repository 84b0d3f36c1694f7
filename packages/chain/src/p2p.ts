// Peers: gossip over WebSocket (transactions, blocks and votes, each passed on once when it is new
// here) and catch-up over HTTP by height ranges. A node dials the peers it is given, redialling
// with backoff, and accepts peers that dial it at /p2p; both directions speak the same messages.
//
//   {type: 'hello', chain_id, genesis_hash, height, rpc_url, votes}   first message each way
//   {type: 'tx', tx} | {type: 'block', block} | {type: 'vote', vote}

import WebSocket from 'ws';
import type { Block } from './block.ts';
import type { Vote } from './consensus.ts';
import { genesisHash } from './genesis.ts';
import { BlockRejectedError, type ChainNode } from './node.ts';
import type { SignedTx } from './tx.ts';
import { blockFromView, type BlockView } from './views.ts';

const SYNC_PAGE = 100;

type Message =
  | { type: 'hello'; chain_id: string; genesis_hash: string; height: number; rpc_url: string; votes: Vote[] }
  | { type: 'tx'; tx: SignedTx }
  | { type: 'block'; block: Block }
  | { type: 'vote'; vote: Vote };

export interface GossipOptions {
  /** ws://host:port/p2p of the peers to dial. */
  peers: string[];
  /** This node's RPC base URL, told to peers so they can sync from it. */
  rpcUrl: string;
  log?: (event: Record<string, unknown>) => void;
}

interface Peer {
  socket: WebSocket;
  rpcUrl: string | null;
}

export class Gossip {
  private readonly peers = new Set<Peer>();
  private readonly redials = new Set<NodeJS.Timeout>();
  private syncing: Promise<void> | null = null;
  private releaseTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly log: (event: Record<string, unknown>) => void;

  constructor(
    private readonly node: ChainNode,
    private readonly options: GossipOptions,
  ) {
    this.log = options.log ?? (() => undefined);
    node.on('tx', (tx: SignedTx) => this.broadcast({ type: 'tx', tx }));
    node.on('block', (block: Block) => this.broadcast({ type: 'block', block }));
    node.on('vote', (vote: Vote) => this.broadcast({ type: 'vote', vote }));
  }

  /**
   * Dials the peers. Until the first of them has answered (and the node has synced from it if it
   * was behind) the node does not propose, so a restarted authority does not build on a stale
   * head; with no peer answering it goes on alone after a few slots.
   */
  start(): void {
    if (this.options.peers.length > 0) {
      this.node.hold(true);
      this.releaseTimer = setTimeout(() => this.release(), Math.max(2_000, 3 * this.node.genesis.block_interval_ms));
    }
    for (const url of this.options.peers) this.dial(url, 0);
  }

  private release(): void {
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    this.releaseTimer = null;
    this.node.hold(false);
  }

  /** Connected peers. */
  count(): number {
    return [...this.peers].filter((peer) => peer.socket.readyState === WebSocket.OPEN).length;
  }

  private dial(url: string, attempt: number): void {
    if (this.stopped) return;
    const socket = new WebSocket(url);
    this.accept(socket, url.replace(/^ws/, 'http').replace(/\/p2p$/, ''));
    socket.on('open', () => (attempt = 0));
    socket.on('close', () => {
      if (this.stopped) return;
      const timer = setTimeout(() => {
        this.redials.delete(timer);
        this.dial(url, attempt + 1);
      }, Math.min(5_000, 250 * 2 ** attempt));
      this.redials.add(timer);
    });
  }

  /** Takes a connected socket (dialled, or accepted at /p2p). */
  accept(socket: WebSocket, rpcUrl: string | null = null): Peer {
    const peer: Peer = { socket, rpcUrl };
    this.peers.add(peer);
    const hello = () => {
      const { node } = this;
      this.send(peer, { type: 'hello', chain_id: node.genesis.chain_id, genesis_hash: genesisHash(node.genesis), height: node.head().header.height, rpc_url: this.options.rpcUrl, votes: node.votes() });
    };
    if (socket.readyState === WebSocket.OPEN) hello();
    else socket.on('open', hello);
    socket.on('message', (data) => this.onMessage(peer, data.toString()));
    socket.on('error', (error) => this.log({ event: 'peer_error', peer: peer.rpcUrl, error: error.message }));
    socket.on('close', () => this.peers.delete(peer));
    return peer;
  }

  private onMessage(peer: Peer, text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    const { node } = this;
    try {
      switch (message.type) {
        case 'hello':
          if (message.genesis_hash !== genesisHash(node.genesis)) {
            this.log({ event: 'peer_refused', peer: message.rpc_url, reason: 'another genesis' });
            peer.socket.close();
            return;
          }
          peer.rpcUrl = message.rpc_url ?? peer.rpcUrl;
          for (const vote of message.votes ?? []) node.addVote(vote);
          if (message.height > node.head().header.height) void this.sync(peer).finally(() => this.release());
          else this.release();
          return;
        case 'tx':
          node.submit(message.tx); // a new one is passed on by the 'tx' event
          return;
        case 'vote':
          node.addVote(message.vote);
          return;
        case 'block':
          if (node.receive(message.block) === 'missing-parent') void this.sync(peer);
          return;
      }
    } catch (error) {
      if (error instanceof BlockRejectedError) this.log({ event: 'block_refused', peer: peer.rpcUrl, reason: error.message });
      // a transaction already known or no longer valid is simply not passed on
    }
  }

  private sync(peer: Peer): Promise<void> {
    return peer.rpcUrl ? this.syncFrom(peer.rpcUrl) : Promise.resolve();
  }

  /** Fetches a node's blocks above this node's final block, in pages, and takes each in turn (one sync at a time). */
  syncFrom(base: string): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      let from = this.node.finalized().height + 1;
      for (;;) {
        const response = await fetch(`${base}/rpc/blocks?from=${from}&limit=${SYNC_PAGE}`, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new Error(`${base} answered ${response.status}`);
        const { blocks } = (await response.json()) as { blocks: BlockView[] };
        for (const view of blocks) this.node.receive(blockFromView(view));
        if (blocks.length < SYNC_PAGE) break;
        from += blocks.length;
      }
    })()
      .catch((error: Error) => this.log({ event: 'sync_failed', peer: base, reason: error.message }))
      .finally(() => (this.syncing = null));
    return this.syncing;
  }

  private send(peer: Peer, message: Message): void {
    if (peer.socket.readyState === WebSocket.OPEN) peer.socket.send(JSON.stringify(message));
  }

  private broadcast(message: Message): void {
    const text = JSON.stringify(message);
    for (const peer of this.peers) if (peer.socket.readyState === WebSocket.OPEN) peer.socket.send(text);
  }

  stop(): void {
    this.stopped = true;
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    for (const timer of this.redials) clearTimeout(timer);
    for (const peer of this.peers) peer.socket.terminate();
    this.peers.clear();
  }
}
