// Finality (consensus.ts has the rule): each authority's latest vote, the vote this node casts
// for its head, and the highest block more than two thirds of the authorities voted for (or for
// a descendant). Votes and the final height are stored, so a restarted node keeps them.

import type { Block } from './block.ts';
import { checkVote, finalityThreshold, signVote, type Authority, type Vote } from './consensus.ts';
import type { Genesis } from './genesis.ts';
import type { ChainStore } from './store/chain-store.ts';

export interface FinalBlock {
  height: number;
  hash: string;
}

export class Finality {
  private readonly latestVotes = new Map<string, Vote>();
  private finalBlock: FinalBlock;

  constructor(
    private readonly store: ChainStore,
    private readonly genesis: Genesis,
  ) {
    const height = Number(store.getMeta('finalized_height') ?? 0);
    this.finalBlock = { height, hash: store.hashAt(height)! };
    for (const vote of store.votes()) this.latestVotes.set(vote.authority, vote);
  }

  /** The highest final block: it and its ancestors are never reverted. */
  finalized(): FinalBlock {
    return this.finalBlock;
  }

  /** Each authority's latest vote known here. */
  votes(): Vote[] {
    return [...this.latestVotes.values()];
  }

  /**
   * Records an authority's vote if it is valid and newer than its last one; returns it, or null.
   * Votes may arrive before their block: they count once the block is on this chain.
   */
  record(value: unknown): Vote | null {
    if (!checkVote(value, this.genesis)) return null;
    const previous = this.latestVotes.get(value.authority);
    if (previous && previous.height >= value.height) return null;
    const vote: Vote = { authority: value.authority, height: value.height, hash: value.hash, signature: value.signature };
    this.store.putVote(vote);
    this.latestVotes.set(vote.authority, vote);
    return vote;
  }

  /**
   * The vote `authority` casts for `head`, or null. Its votes only ever extend its previous vote,
   * so no two conflicting blocks can both gather votes from more than two thirds; it may leave a
   * vote's branch only once that vote can no longer reach the threshold (enough authorities have
   * voted on this chain at or above its height).
   */
  voteFor(head: Block, authority: Authority): Vote | null {
    if (head.header.height === 0) return null;
    const mine = this.latestVotes.get(authority.publicKey);
    if (mine && mine.height >= head.header.height) return null;
    if (mine && !this.onChain(mine)) {
      const n = this.genesis.authorities.length;
      const against = this.votes().filter((vote) => vote.authority !== authority.publicKey && vote.height >= mine.height && this.onChain(vote)).length;
      if (against < n - finalityThreshold(n) + 1) return null;
    }
    return signVote(this.genesis.chain_id, head.header.height, head.hash, authority.publicKey, authority.keys.secretKey);
  }

  /** Moves the final block up to what the votes on this chain allow (never above the head); returns it when it moved. */
  advance(headHeight: number): FinalBlock | null {
    const heights = this.votes()
      .filter((vote) => this.onChain(vote))
      .map((vote) => vote.height)
      .sort((a, b) => b - a);
    const needed = finalityThreshold(this.genesis.authorities.length);
    const height = Math.min(heights[needed - 1] ?? 0, headHeight);
    if (height <= this.finalBlock.height) return null;
    this.finalBlock = { height, hash: this.store.hashAt(height)! };
    this.store.setMeta('finalized_height', String(height));
    this.store.dropUndoThrough(height);
    return this.finalBlock;
  }

  private onChain(vote: Vote): boolean {
    return this.store.hashAt(vote.height) === vote.hash;
  }
}
