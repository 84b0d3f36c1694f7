// The PostgreSQL side of miner bonds: the SQLite engine's src/store/sqlite/bond-tables.ts (bond
// events from final blocks applied inside the transaction that moves the chain cursor, a miner's
// bond read back; a slash takes from the bond first, then from the unbondings released soonest).

import type { BondEvent, MinerBond } from '../store.ts';
import type { Queryable } from './pg-db.ts';
import { unbondingSlashes } from '../rows/unbonding-slash.ts';

// The counted-bond subquery reads the same in both engines.
export { COUNTED_BOND_SQL } from '../sqlite/bond-tables.ts';

export class PgBondTables {
  /** Inside the caller's transaction (recordDeposits). */
  async apply(q: Queryable, event: BondEvent): Promise<void> {
    switch (event.kind) {
      case 'bond':
        await q.run(
          `INSERT INTO miner_bonds (miner_key, address, bonded_micro, block_height) VALUES (?, ?, ?, ?)
           ON CONFLICT (miner_key) DO UPDATE SET address = excluded.address, bonded_micro = miner_bonds.bonded_micro + excluded.bonded_micro, block_height = excluded.block_height`,
          [event.minerKey, event.address, event.amountMicro, event.blockHeight],
        );
        return;
      case 'unbond':
        await q.run('UPDATE miner_bonds SET bonded_micro = bonded_micro - ?, block_height = ? WHERE miner_key = ?', [event.amountMicro, event.blockHeight, event.minerKey]);
        await q.run('INSERT INTO miner_unbondings (unbonding_id, miner_key, address, amount_micro, release_height) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
          event.unbondingId,
          event.minerKey,
          event.address,
          event.amountMicro,
          event.releaseHeight,
        ]);
        return;
      case 'slash': {
        await q.run('UPDATE miner_bonds SET bonded_micro = bonded_micro - ?, block_height = ? WHERE miner_key = ?', [event.fromBondMicro, event.blockHeight, event.minerKey]);
        const entries = await q.all(
          'SELECT unbonding_id, amount_micro FROM miner_unbondings WHERE miner_key = ? AND release_height > ? AND amount_micro > 0 ORDER BY release_height, unbonding_id FOR UPDATE',
          [event.minerKey, event.blockHeight],
        );
        for (const taken of unbondingSlashes(entries, event.fromUnbondingMicro)) {
          await q.run('UPDATE miner_unbondings SET amount_micro = amount_micro - ? WHERE unbonding_id = ?', [taken.amountMicro, taken.unbondingId]);
        }
        return;
      }
    }
  }

  /** µAIT unbonding on the key until `finalHeight` reaches their release height (NUMERIC sum: no overflow). */
  private async unbondingMicro(q: Queryable, minerKey: string, finalHeight: number): Promise<bigint> {
    return (await q.value('SELECT coalesce(sum(amount_micro), 0) FROM miner_unbondings WHERE miner_key = ? AND release_height > ?', [minerKey, finalHeight])) as bigint;
  }

  /** Bonded + unbonding on the key; in the caller's snapshot, with the final height read there. */
  async slashableMicro(q: Queryable, minerKey: string, finalHeight: number): Promise<bigint> {
    const bonded = ((await q.value('SELECT bonded_micro FROM miner_bonds WHERE miner_key = ?', [minerKey])) as bigint | undefined) ?? 0n;
    return bonded + (await this.unbondingMicro(q, minerKey, finalHeight));
  }

  /** The miner's bond; in the caller's snapshot, with the final height (the cursor) read there. */
  async minerBond(q: Queryable, minerId: string, finalHeight: number): Promise<MinerBond | null> {
    const miner = await q.get('SELECT public_key, payout_address FROM miners WHERE miner_id = ?', [minerId]);
    if (!miner) return null;
    const minerKey = miner.public_key as string;
    const bond = await q.get('SELECT address, bonded_micro FROM miner_bonds WHERE miner_key = ?', [minerKey]);
    const address = (bond?.address as string | undefined) ?? null;
    return {
      minerId,
      minerKey,
      address,
      bondedMicro: (bond?.bonded_micro as bigint | undefined) ?? 0n,
      unbondingMicro: await this.unbondingMicro(q, minerKey, finalHeight),
      counts: address !== null && address === miner.payout_address,
    };
  }
}
