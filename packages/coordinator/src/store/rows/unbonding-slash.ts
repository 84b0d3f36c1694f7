// How a slash's part taken from unbondings is split among them, for both engines: the chain's
// own rule (packages/chain/src/txs/slash.ts), the unbondings that release soonest first.

import type { Row } from '../sqlite/rows.ts';

/** From the key's unbonding rows (unbonding_id, amount_micro) soonest first: what to take from each (only those touched). */
export function unbondingSlashes(soonestFirst: readonly Row[], fromUnbondingMicro: bigint): { unbondingId: string; amountMicro: bigint }[] {
  const taken: { unbondingId: string; amountMicro: bigint }[] = [];
  let left = fromUnbondingMicro;
  for (const entry of soonestFirst) {
    if (left === 0n) break;
    const amount = entry.amount_micro as bigint;
    const part = amount < left ? amount : left;
    taken.push({ unbondingId: entry.unbonding_id as string, amountMicro: part });
    left -= part;
  }
  return taken;
}
