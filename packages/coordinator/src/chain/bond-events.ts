// The bond events of a final block: its `bond`, `unbond` and `slash` transactions, with what the
// bodies do not say asked of the node: an unbonding's release height (fixed when it is made), and
// what a slash took from the bond and from unbondings (fixed once its block is final).

import { parseAmount } from '@aitbc/protocol';
import type { BondEvent } from '../store/store.ts';
import type { ChainBlock, ChainClient } from './chain-client.ts';

export async function bondEventsIn(block: ChainBlock, chain: ChainClient): Promise<BondEvent[]> {
  const events: BondEvent[] = [];
  for (const tx of block.transactions) {
    const body = tx.body;
    const blockHeight = block.height;
    if (body.type === 'bond') {
      events.push({ kind: 'bond', minerKey: body.miner_key, address: body.from, amountMicro: parseAmount(body.amount), blockHeight });
    } else if (body.type === 'unbond') {
      events.push({ kind: 'unbond', unbondingId: tx.hash, minerKey: body.miner_key, address: body.from, amountMicro: parseAmount(body.amount), blockHeight, releaseHeight: await releaseHeight(chain, body.from, tx.hash, blockHeight) });
    } else if (body.type === 'slash') {
      const slash = await chain.slash(body.receipt.receipt_id);
      if (!slash) throw new Error(`the node shows no slash of receipt ${body.receipt.receipt_id}, though final block ${blockHeight} holds it`);
      events.push({ kind: 'slash', minerKey: body.miner_key, fromBondMicro: parseAmount(slash.from_bond), fromUnbondingMicro: parseAmount(slash.from_unbonding), blockHeight });
    }
  }
  return events;
}

/** The entry's release height; the unbond's own height when the node no longer has it (released, or slashed to nothing): nothing of it is left. */
async function releaseHeight(chain: ChainClient, address: string, unbondingId: string, blockHeight: number): Promise<number> {
  let after: string | null = null;
  do {
    const page = await chain.unbondings(address, after);
    const entry = page.items.find((item) => item.id === unbondingId);
    if (entry) return entry.release_height;
    after = page.next;
  } while (after !== null);
  return blockHeight;
}
