// Authorities of one chain in one process, wired by a message queue that a test can partition:
// each hears the others' blocks, votes and transactions when `flush` runs, unless cut off. One
// clock for all; `slot` moves it one block interval and lets that slot's authority propose.

import type { KeyPair } from '@aitbc/protocol';
import { proposerForSlot, slotOf } from '../src/consensus.ts';
import type { Genesis } from '../src/genesis.ts';
import { ChainNode } from '../src/node.ts';
import { closedAfterTest } from './stores.ts';

export class AuthorityNetwork {
  clock: number;
  readonly nodes: ChainNode[];
  readonly cut = new Set<number>();
  private readonly queue: { from: number; kind: 'block' | 'vote' | 'tx'; payload: unknown }[] = [];

  constructor(
    readonly genesis: Genesis,
    keys: KeyPair[],
  ) {
    this.clock = genesis.genesis_time;
    this.nodes = keys.map((key, index) => {
      const node = new ChainNode(closedAfterTest(), genesis, key, () => this.clock);
      node.on('block', (block) => this.queue.push({ from: index, kind: 'block', payload: block }));
      node.on('vote', (vote) => this.queue.push({ from: index, kind: 'vote', payload: vote }));
      node.on('tx', (tx) => this.queue.push({ from: index, kind: 'tx', payload: tx }));
      return node;
    });
  }

  /** Sync by height range, as a node that missed blocks does over HTTP. */
  sync(to: number, from: number): void {
    const node = this.nodes[to]!;
    for (const block of this.nodes[from]!.store.blockRange(node.finalized().height + 1, 1000)) node.receive(block);
    for (const vote of this.nodes[from]!.votes()) node.addVote(vote);
  }

  flush(): void {
    while (this.queue.length > 0) {
      const { from, kind, payload } = this.queue.shift()!;
      if (this.cut.has(from)) continue;
      this.nodes.forEach((node, to) => {
        if (to === from || this.cut.has(to)) return;
        if (kind === 'vote') node.addVote(payload);
        else if (kind === 'tx') {
          try {
            node.submit(payload);
          } catch {
            // already known
          }
        } else if (node.receive(payload) === 'missing-parent') this.sync(to, from);
      });
    }
  }

  /** The next slot: its authority proposes if it is up, and everyone hears about it. */
  slot(): number {
    this.clock += this.genesis.block_interval_ms;
    const proposer = this.genesis.authorities.indexOf(proposerForSlot(slotOf(this.clock, this.genesis), this.genesis));
    if (!this.cut.has(proposer)) this.nodes[proposer]!.produce();
    this.flush();
    return proposer;
  }

  /** Slots pass until every node's mempool is empty (what was submitted is in a block everywhere). */
  settle(): void {
    while (this.nodes.some((node) => node.pending().length > 0)) this.slot();
  }
}
