// Credits deposits: reads final blocks from a persisted cursor and records every transfer to the
// clearing address, and every bond, unbond and slash (bond-events.ts). The cursor moves in the
// same database transaction as the credits and bonds, and each deposit is keyed by its tx hash,
// so a crash or restart neither skips nor double-credits one, nor applies a bond event twice.

import { parseAmount } from '@aitbc/protocol';
import type { CoordinatorStore, ChainDeposit } from '../store/store.ts';
import { bondEventsIn } from './bond-events.ts';
import type { ChainBlock, ChainClient } from './chain-client.ts';

/** The node serves at most this many blocks per range request. */
const BLOCKS_PER_REQUEST = 100;

export class DepositWatcher {
  constructor(
    private readonly store: CoordinatorStore,
    private readonly chain: ChainClient,
    private readonly clearingAddress: string,
    private readonly now: () => number,
  ) {}

  /** Reads every final block past the cursor; returns how many deposits were credited or left unmatched. */
  async scanOnce(): Promise<{ credited: number; unmatched: number }> {
    const finalized = (await this.chain.head()).finalized_height;
    const total = { credited: 0, unmatched: 0 };
    let next = await this.store.chainCursor();
    while (next <= finalized) {
      const blocks = (await this.chain.blocks(next, Math.min(BLOCKS_PER_REQUEST, finalized - next + 1))).filter((block) => block.height <= finalized);
      if (blocks.length === 0) break;
      blocks.forEach((block, i) => {
        if (block.height !== next + i) throw new Error(`the node answered block ${block.height} where ${next + i} was expected`);
      });
      const nextHeight = next + blocks.length;
      const bondEvents = [];
      for (const block of blocks) bondEvents.push(...(await bondEventsIn(block, this.chain)));
      const outcome = await this.store.recordDeposits({ nextHeight, deposits: blocks.flatMap((block) => this.depositsIn(block)), bondEvents }, this.now());
      total.credited += outcome.credited;
      total.unmatched += outcome.unmatched;
      next = nextHeight;
    }
    return total;
  }

  private depositsIn(block: ChainBlock): ChainDeposit[] {
    const deposits: ChainDeposit[] = [];
    for (const tx of block.transactions) {
      const body = tx.body;
      // Our own transactions (withdrawals, settlements) are not deposits.
      if (body.type !== 'transfer' || body.to !== this.clearingAddress || body.from === this.clearingAddress) continue;
      deposits.push({ txHash: tx.hash, blockHeight: block.height, fromAddress: body.from, amountMicro: parseAmount(body.amount), memo: body.memo ?? null });
    }
    return deposits;
  }
}
