// Peers: gossip over WebSocket (transactions, blocks and votes, each passed on once when it is new
// here) and catch-up over HTTP by height ranges. A node dials the peers it is given, redialling
// with backoff, and accepts peers that dial it at /p2p; both directions speak the same messages.
//
//   {type: 'hello', chain_id, genesis_hash, height, rpc_url, votes}   first message each way
//   {type: 'tx', tx} | {type: 'block', block} | {type: 'vote', vote}
//
// Anyone can dial /p2p, so nothing a peer says may cost the node more than a bound:
// - Sync fetches only from a trusted address: for a peer this node dialled, the RPC of the --peer
//   URL it was given (the hello's rpc_url is ignored); for a peer that dialled in, see
//   rpcUrlOfInbound. What a sync reads is bounded in sync.ts. One sync at a time; others wait.
// - Proposing waits for the first dialled peer's hello (and its sync) at most a few slots; a peer
//   that dialled in never holds it.
// - Each peer may leave at most `maxPeerBufferedBytes` unread (then it is dropped), send messages
//   of at most `maxMessageBytes`, and must say hello within `helloTimeoutMs`; at most
//   `maxInboundPeers` peers may dial in. A fault in a message or a send is logged, never thrown.

import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { Block } from './block.ts';
import type { Vote } from './consensus.ts';
import { BlockRejectedError } from './errors.ts';
import { genesisHash } from './genesis.ts';
import type { ChainNode } from './node.ts';
import { BLOCK_RANGE_MAX } from './rpc.ts';
import { CLOSE_TRY_LATER, sendBounded } from './sockets.ts';
import type { SignedTx } from './tx.ts';
import { DEFAULT_SYNC_PAGE_BYTES, rpcUrlOfInbound, syncPages } from './sync.ts';

const MiB = 1024 * 1024;
/** Peers that may dial in at once: a PoA network has a handful of authorities and followers. */
export const DEFAULT_MAX_INBOUND_PEERS = 32;
/** The largest peer message: one block, as large as POST /rpc/blocks takes (16 MiB body). */
export const DEFAULT_PEER_MESSAGE_BYTES = 16 * MiB;
/** Unread bytes a peer may leave before it is dropped: half a largest block, many ordinary ones. */
export const DEFAULT_PEER_BUFFER_BYTES = 8 * MiB;
/** One sync page read: a largest block fits (pages of many blocks halve until they fit). */
const HELLO_TIMEOUT_MS = 10_000;

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
  /** Peers that may dial in at once (default 32); more are refused. */
  maxInboundPeers?: number;
  /** Largest message a peer may send (default 16 MiB); a larger one closes it (1009). */
  maxMessageBytes?: number;
  /** Bytes a peer may leave unread before it is dropped (default 8 MiB). */
  maxPeerBufferedBytes?: number;
  /** Largest sync page read (default 16 MiB). */
  syncPageBytes?: number;
  /** Blocks asked per sync page (default and most 100, the RPC's range limit). */
  syncPageBlocks?: number;
  /** How long a peer has to say hello before it is closed (default 10 s). */
  helloTimeoutMs?: number;
}

interface Peer {
  socket: WebSocket;
  /** Where this node may sync from for this peer (see the top of this file), or null. */
  rpcUrl: string | null;
  /** Dialled in (its rpc_url must match remoteAddress), rather than dialled by this node. */
  inbound: boolean;
  remoteAddress: string | null;
  greeted: boolean;
  /** The highest height it announced (its hello, the blocks it sent), for the sync lag metric. */
  announcedHeight: number;
}

export class Gossip {
  private readonly peers = new Set<Peer>();
  private readonly redials = new Set<NodeJS.Timeout>();
  private syncing: Promise<void> | null = null;
  /** Peers that asked for a sync while one ran; each (still connected) runs after it. */
  private readonly syncQueue = new Set<Peer>();
  private readonly syncAbort = new AbortController();
  private releaseTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly log: (event: Record<string, unknown>) => void;
  readonly maxInboundPeers: number;
  readonly maxMessageBytes: number;
  private readonly maxPeerBufferedBytes: number;
  private readonly syncPageBytes: number;
  private readonly syncPageBlocks: number;
  private readonly helloTimeoutMs: number;

  constructor(
    private readonly node: ChainNode,
    private readonly options: GossipOptions,
  ) {
    this.log = options.log ?? (() => undefined);
    this.maxInboundPeers = options.maxInboundPeers ?? DEFAULT_MAX_INBOUND_PEERS;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_PEER_MESSAGE_BYTES;
    this.maxPeerBufferedBytes = options.maxPeerBufferedBytes ?? DEFAULT_PEER_BUFFER_BYTES;
    this.syncPageBytes = options.syncPageBytes ?? DEFAULT_SYNC_PAGE_BYTES;
    this.syncPageBlocks = Math.min(options.syncPageBlocks ?? BLOCK_RANGE_MAX, BLOCK_RANGE_MAX);
    this.helloTimeoutMs = options.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
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

  private inboundCount(): number {
    return [...this.peers].filter((peer) => peer.inbound).length;
  }

  /** The highest height a connected peer announced, or null without peers (unchecked: a peer may claim any). */
  bestPeerHeight(): number | null {
    let best: number | null = null;
    for (const peer of this.peers) if (peer.greeted && (best === null || peer.announcedHeight > best)) best = peer.announcedHeight;
    return best;
  }

  /** No room for another peer dialling in. */
  full(): boolean {
    return this.inboundCount() >= this.maxInboundPeers;
  }

  private dial(url: string, attempt: number): void {
    if (this.stopped) return;
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, { maxPayload: this.maxMessageBytes });
    } catch (error) {
      this.log({ event: 'peer_refused', peer: url, reason: (error as Error).message });
      return;
    }
    this.attach({ socket, rpcUrl: url.replace(/^ws/, 'http').replace(/\/p2p$/, ''), inbound: false, remoteAddress: null, greeted: false, announcedHeight: 0 });
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

  /** Takes a socket that dialled in at /p2p (refused with 1013 when `maxInboundPeers` are connected). */
  accept(socket: WebSocket, request?: IncomingMessage): void {
    socket.on('error', () => undefined);
    if (this.full()) {
      socket.close(CLOSE_TRY_LATER, `this node takes at most ${this.maxInboundPeers} inbound peers; retry later`);
      return;
    }
    this.attach({ socket, rpcUrl: null, inbound: true, remoteAddress: request?.socket.remoteAddress ?? null, greeted: false, announcedHeight: 0 });
  }

  private attach(peer: Peer): void {
    const { socket } = peer;
    this.peers.add(peer);
    const hello = () => {
      const { node } = this;
      this.send(peer, { type: 'hello', chain_id: node.genesis.chain_id, genesis_hash: genesisHash(node.genesis), height: node.head().header.height, rpc_url: this.options.rpcUrl, votes: node.votes() });
    };
    if (socket.readyState === WebSocket.OPEN) hello();
    else socket.on('open', hello);
    const helloTimer = setTimeout(() => {
      if (!peer.greeted) socket.close(1008, 'no hello');
    }, this.helloTimeoutMs);
    socket.on('message', (data, isBinary) => this.onMessage(peer, data, isBinary));
    socket.on('error', (error) => this.log({ event: 'peer_error', peer: peer.rpcUrl ?? peer.remoteAddress, error: error.message }));
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.peers.delete(peer);
      this.syncQueue.delete(peer);
    });
  }

  private onMessage(peer: Peer, data: WebSocket.RawData, isBinary: boolean): void {
    try {
      if (isBinary) return;
      const message = JSON.parse(data.toString()) as Message | null;
      if (typeof message !== 'object' || message === null) return;
      if (message.type === 'hello') return this.onHello(peer, message);
      if (!peer.greeted) return; // hello comes first
      const { node } = this;
      switch (message.type) {
        case 'tx':
          node.submit(message.tx); // a new one is passed on by the 'tx' event
          return;
        case 'vote':
          node.addVote(message.vote);
          return;
        case 'block':
          this.announced(peer, message.block?.header?.height);
          if (node.receive(message.block) === 'missing-parent') void this.sync(peer);
          return;
      }
    } catch (error) {
      if (error instanceof BlockRejectedError) this.log({ event: 'block_refused', peer: peer.rpcUrl ?? peer.remoteAddress, reason: error.message });
      // Not JSON, a transaction already known or no longer valid, a malformed vote: not passed on.
    }
  }

  private onHello(peer: Peer, hello: Extract<Message, { type: 'hello' }>): void {
    if (peer.greeted) return; // once per connection: a repeated hello would restart sync at will
    const { node } = this;
    if (hello.genesis_hash !== genesisHash(node.genesis)) {
      this.log({ event: 'peer_refused', peer: peer.rpcUrl ?? peer.remoteAddress, reason: 'another genesis' });
      peer.socket.close(1008, 'another genesis');
      return;
    }
    peer.greeted = true;
    this.announced(peer, hello.height);
    if (peer.inbound) peer.rpcUrl = rpcUrlOfInbound(hello.rpc_url, peer.remoteAddress);
    // At most one vote per authority is of any use.
    if (Array.isArray(hello.votes)) for (const vote of hello.votes.slice(0, node.genesis.authorities.length)) node.addVote(vote);
    const ahead = Number.isSafeInteger(hello.height) && hello.height > node.head().header.height;
    if (peer.inbound) {
      if (ahead) void this.sync(peer);
    } else if (ahead) void this.sync(peer).finally(() => this.release());
    else this.release();
  }

  private announced(peer: Peer, height: unknown): void {
    if (Number.isSafeInteger(height) && (height as number) > peer.announcedHeight) peer.announcedHeight = height as number;
  }

  /** Syncs from `peer` now, or after the running sync (then returns that one). */
  private sync(peer: Peer): Promise<void> {
    if (!peer.rpcUrl) return Promise.resolve();
    if (this.syncing) {
      this.syncQueue.add(peer);
      return this.syncing;
    }
    return this.syncFrom(peer.rpcUrl);
  }

  /** Fetches a node's blocks above this node's final block, in pages, and takes each in turn (one sync at a time). */
  syncFrom(base: string): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = syncPages(this.node, base, { pageBlocks: this.syncPageBlocks, pageBytes: this.syncPageBytes, signal: this.syncAbort.signal })
      .catch((error: Error) => this.log({ event: 'sync_failed', peer: base, reason: error.message }))
      .finally(() => {
        this.syncing = null;
        for (const next of this.syncQueue) {
          this.syncQueue.delete(next);
          if (this.stopped || !this.peers.has(next)) continue;
          void this.sync(next);
          return;
        }
      });
    return this.syncing;
  }

  private send(peer: Peer, message: Message): void {
    sendBounded(peer.socket, JSON.stringify(message), this.maxPeerBufferedBytes, `peer too slow: more than ${this.maxPeerBufferedBytes} bytes unread`);
  }

  private broadcast(message: Message): void {
    try {
      const text = JSON.stringify(message);
      const reason = `peer too slow: more than ${this.maxPeerBufferedBytes} bytes unread`;
      for (const peer of this.peers) sendBounded(peer.socket, text, this.maxPeerBufferedBytes, reason);
    } catch (error) {
      this.log({ event: 'broadcast_failed', type: message.type, reason: (error as Error).message });
    }
  }

  stop(): void {
    this.stopped = true;
    this.syncAbort.abort();
    this.syncQueue.clear();
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    for (const timer of this.redials) clearTimeout(timer);
    for (const peer of this.peers) peer.socket.terminate();
    this.peers.clear();
  }
}
