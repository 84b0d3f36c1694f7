// The SQLite side of miner bonds: bond events from final blocks applied to miner_bonds and
// miner_unbondings (always inside the caller's transaction, the one that moves the chain cursor),
// and a miner's bond read back. Replays the chain's own rules: a slash takes from the bond first,
// then from the unbondings that release soonest (packages/chain/src/txs/slash.ts).

import type { Statement } from 'better-sqlite3';
import type { BondEvent, MinerBond } from '../store.ts';
import { exactSum, joinSum } from './exact-sum.ts';
import type { Row } from './rows.ts';
import { unbondingSlashes } from '../rows/unbonding-slash.ts';

/** Subquery: µAIT bonded on miner `m`'s registered key from its payout address (0 when none counts). */
export const COUNTED_BOND_SQL = `coalesce((SELECT b.bonded_micro FROM miner_bonds b WHERE b.miner_key = m.public_key AND b.address = m.payout_address), 0)`;

export class SqliteBondTables {
  constructor(private readonly sql: (text: string) => Statement) {}

  apply(event: BondEvent): void {
    switch (event.kind) {
      case 'bond':
        this.sql(
          `INSERT INTO miner_bonds (miner_key, address, bonded_micro, block_height) VALUES (?, ?, ?, ?)
           ON CONFLICT (miner_key) DO UPDATE SET address = excluded.address, bonded_micro = bonded_micro + excluded.bonded_micro, block_height = excluded.block_height`,
        ).run(event.minerKey, event.address, event.amountMicro, event.blockHeight);
        return;
      case 'unbond':
        this.sql('UPDATE miner_bonds SET bonded_micro = bonded_micro - ?, block_height = ? WHERE miner_key = ?').run(event.amountMicro, event.blockHeight, event.minerKey);
        this.sql('INSERT INTO miner_unbondings (unbonding_id, miner_key, address, amount_micro, release_height) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(
          event.unbondingId,
          event.minerKey,
          event.address,
          event.amountMicro,
          event.releaseHeight,
        );
        return;
      case 'slash': {
        this.sql('UPDATE miner_bonds SET bonded_micro = bonded_micro - ?, block_height = ? WHERE miner_key = ?').run(event.fromBondMicro, event.blockHeight, event.minerKey);
        const entries = this.sql('SELECT unbonding_id, amount_micro FROM miner_unbondings WHERE miner_key = ? AND release_height > ? AND amount_micro > 0 ORDER BY release_height, unbonding_id').all(event.minerKey, event.blockHeight) as Row[];
        const take = this.sql('UPDATE miner_unbondings SET amount_micro = amount_micro - ? WHERE unbonding_id = ?');
        for (const taken of unbondingSlashes(entries, event.fromUnbondingMicro)) take.run(taken.amountMicro, taken.unbondingId);
        return;
      }
    }
  }

  /** Bonded + unbonding on the key, unbondings counted until `finalHeight` reaches their release height. */
  slashableMicro(minerKey: string, finalHeight: number): bigint {
    const bonded = (this.sql('SELECT bonded_micro FROM miner_bonds WHERE miner_key = ?').pluck().get(minerKey) as bigint | undefined) ?? 0n;
    const unbonding = this.sql(`SELECT ${exactSum('amount_micro', 'total')} FROM miner_unbondings WHERE miner_key = ? AND release_height > ?`).get(minerKey, finalHeight) as Row;
    return bonded + joinSum(unbonding, 'total');
  }

  /** The miner's bond; unbondings count until the final height (the cursor) reaches their release height. */
  minerBond(minerId: string, finalHeight: number): MinerBond | null {
    const miner = this.sql('SELECT public_key, payout_address FROM miners WHERE miner_id = ?').get(minerId) as Row | undefined;
    if (!miner) return null;
    const minerKey = miner.public_key as string;
    const bond = this.sql('SELECT address, bonded_micro FROM miner_bonds WHERE miner_key = ?').get(minerKey) as Row | undefined;
    const unbonding = this.sql(`SELECT ${exactSum('amount_micro', 'total')} FROM miner_unbondings WHERE miner_key = ? AND release_height > ?`).get(minerKey, finalHeight) as Row;
    const address = (bond?.address as string | undefined) ?? null;
    return {
      minerId,
      minerKey,
      address,
      bondedMicro: (bond?.bonded_micro as bigint | undefined) ?? 0n,
      unbondingMicro: joinSum(unbonding, 'total'),
      counts: address !== null && address === miner.payout_address,
    };
  }
}
