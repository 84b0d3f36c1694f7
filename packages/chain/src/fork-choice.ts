// Fork choice: the node follows the longest branch that leaves its chain at or above the final
// block. Sealed blocks off its chain (other branches, early arrivals) are kept, a bounded number;
// when one's branch becomes longer than the node's chain, the node reverts to the branch point
// and imports the branch, and if a block of it is invalid it restores its chain as it was.

import type { Block } from './block.ts';
import { checkSealed } from './block-validation.ts';
import { BlockRejectedError } from './errors.ts';
import type { FinalBlock } from './finality.ts';
import type { Genesis } from './genesis.ts';
import type { ChainStore } from './store/chain-store.ts';

/** Blocks off the current branch kept in case that branch becomes the longer one. */
export const SIDE_BLOCK_LIMIT = 2_000;

/** The side blocks from a tip back to the node's chain, which they leave above height `ancestor`. */
export interface Branch {
  ancestor: number;
  blocks: Block[];
}

/** What fork choice needs of the node: its chain, and the means to move its head. */
export interface ChainHead {
  head(): Block;
  finalized(): FinalBlock;
  /** Validates a block on the head and stores it; throws BlockRejectedError. */
  append(block: Block): void;
  /** Removes the blocks above `height`; returns them, lowest first. */
  revertTo(height: number): Block[];
}

export class ForkChoice {
  private readonly side = new Map<string, Block>();

  constructor(
    private readonly store: ChainStore,
    private readonly genesis: Genesis,
    private readonly chain: ChainHead,
    private readonly now: () => number,
  ) {}

  has(hash: string): boolean {
    return this.side.has(hash);
  }

  /** The kept block whose parent is `hash` (it arrived before its parent). */
  childOf(hash: string): Block | undefined {
    for (const block of this.side.values()) if (block.header.parent_hash === hash) return block;
    return undefined;
  }

  forget(hash: string): void {
    this.side.delete(hash);
  }

  /** Final blocks are never reverted: side blocks at or below them can never be used. */
  pruneThrough(height: number): void {
    for (const [hash, block] of this.side) if (block.header.height <= height) this.side.delete(hash);
  }

  /**
   * A sealed block that does not extend the head: kept, and returned as a branch to switch to
   * when its branch is longer than the node's chain. Throws BlockRejectedError when it conflicts
   * with the final block.
   */
  place(block: Block): Branch | 'side' | 'missing-parent' {
    const final = this.chain.finalized();
    const { height } = block.header;
    const conflict = (reason: string): never => {
      throw new BlockRejectedError('CHAIN_BLOCK_CONFLICTS_FINAL', `block ${height}: ${reason}`, { height, finalized_height: final.height });
    };
    if (height <= final.height) conflict(`it conflicts with final block ${final.height}`);
    checkSealed(block, this.genesis, this.now());
    this.keep(block);
    const branch = this.branchTo(block);
    if (!branch) return 'missing-parent';
    if (branch.ancestor < final.height) {
      for (const member of branch.blocks) this.side.delete(member.hash);
      conflict(`its branch leaves this chain at height ${branch.ancestor}, below final block ${final.height}`);
    }
    return height <= this.chain.head().header.height ? 'side' : branch;
  }

  /** Reverts the chain to the branch point and imports the branch; returns the reverted blocks. On a bad branch block, restores the chain and throws. */
  switchTo(branch: Branch): Block[] {
    const reverted = this.chain.revertTo(branch.ancestor);
    try {
      for (const block of branch.blocks) this.chain.append(block);
    } catch (error) {
      this.chain.revertTo(branch.ancestor);
      for (const block of reverted) this.chain.append(block);
      for (const block of branch.blocks) this.side.delete(block.hash);
      throw error;
    }
    for (const block of reverted) this.keep(block);
    return reverted;
  }

  private keep(block: Block): void {
    this.side.set(block.hash, block);
    if (this.side.size <= SIDE_BLOCK_LIMIT) return;
    let lowest: Block | null = null;
    for (const candidate of this.side.values()) if (!lowest || candidate.header.height < lowest.header.height) lowest = candidate;
    this.side.delete(lowest!.hash);
  }

  /** The side blocks from `tip` back to the node's chain, or null when an ancestor is missing. */
  private branchTo(tip: Block): Branch | null {
    const blocks = [tip];
    for (;;) {
      const parentHash = blocks[0]!.header.parent_hash;
      const height = this.store.heightOf(parentHash);
      if (height !== null) return { ancestor: height, blocks };
      const parent = this.side.get(parentHash);
      if (!parent) return null;
      blocks.unshift(parent);
    }
  }
}
