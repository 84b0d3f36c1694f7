// The PostgreSQL side of the double-entry ledger: writes the legs of a movement (built by the
// money rules in src/ledger/movements.ts) and keeps the balance columns in step, always inside the
// caller's transaction. It decides no amounts: what moves where is the movement's business.

import { randomHex } from '@aitbc/protocol';
import { parseBucket } from '../../ledger/buckets.ts';
import type { Movement } from '../../ledger/movements.ts';
import type { AccountBalance } from '../store.ts';
import type { Queryable } from './pg-db.ts';

/** Each bucket's balance column. */
const TABLE = { account: { table: 'accounts', key: 'account' }, miner: { table: 'miner_earnings', key: 'miner_id' } } as const;

// Movement ids only need to be unique: a random per-process prefix and a counter.
const movementPrefix = `mv-${randomHex(6)}-`;
let movementCounter = 0;
const nextMovementId = () => `${movementPrefix}${(movementCounter++).toString(36)}`;

export class PgLedger {
  async ensureAccount(q: Queryable, account: string, now: number): Promise<void> {
    await q.run('INSERT INTO accounts (account, created_at) VALUES (?, ?) ON CONFLICT (account) DO NOTHING', [account, now]);
  }

  /** The account's balances (zeros for an account never seen). */
  async balance(q: Queryable, account: string): Promise<AccountBalance> {
    const row = await q.get('SELECT available, escrowed, withdrawing FROM accounts WHERE account = ?', [account]);
    return { account, availableMicro: (row?.available as bigint) ?? 0n, escrowedMicro: (row?.escrowed as bigint) ?? 0n, withdrawingMicro: (row?.withdrawing as bigint) ?? 0n };
  }

  /** The account's available µAIT, its row locked until the transaction ends (a debit that checks first must hold it). */
  async lockAvailable(q: Queryable, account: string): Promise<bigint> {
    return ((await q.value('SELECT available FROM accounts WHERE account = ? FOR UPDATE', [account])) as bigint | undefined) ?? 0n;
  }

  /** Writes one movement's legs. Inside a transaction; the CHECKs refuse any negative balance. */
  async post(q: Queryable, movement: Movement, now: number): Promise<void> {
    const movementId = nextMovementId();
    for (const leg of movement.legs) {
      await q.run('INSERT INTO ledger (movement_id, kind, bucket, amount, job_id, receipt_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        movementId,
        movement.kind,
        leg.bucket,
        leg.amount,
        movement.jobId,
        movement.receiptId,
        now,
      ]);
      const owner = parseBucket(leg.bucket);
      if (!owner) continue;
      const { table, key } = TABLE[owner.owner];
      const column = owner.kind;
      if (leg.amount < 0n) {
        // A debit needs an existing balance; the CHECK refuses any that would go negative.
        const changed = await q.run(`UPDATE ${table} SET ${column} = ${column} + ? WHERE ${key} = ?`, [leg.amount, owner.id]);
        if (changed === 0) throw new Error(`ledger debit from ${leg.bucket}, which has no balance`);
      } else if (owner.owner === 'account') {
        await q.run(`INSERT INTO accounts (account, ${column}, created_at) VALUES (?, ?, ?) ON CONFLICT (account) DO UPDATE SET ${column} = accounts.${column} + excluded.${column}`, [
          owner.id,
          leg.amount,
          now,
        ]);
      } else {
        await q.run(`INSERT INTO miner_earnings (miner_id, ${column}) VALUES (?, ?) ON CONFLICT (miner_id) DO UPDATE SET ${column} = miner_earnings.${column} + excluded.${column}`, [owner.id, leg.amount]);
      }
    }
  }

  /**
   * µAIT inside the books: every account's and every miner's balance (see admitsIncoming). One
   * statement, so one consistent sum while other steps move money between accounts and miners
   * (the caller holds lockIncoming, src/store/postgres/pg-locks.ts); NUMERIC: no overflow.
   */
  async heldMicro(q: Queryable): Promise<bigint> {
    return (await q.value(
      `SELECT (SELECT coalesce(sum(available) + sum(escrowed) + sum(withdrawing), 0) FROM accounts)
         + (SELECT coalesce(sum(held) + sum(earned) + sum(claimed), 0) FROM miner_earnings)`,
    )) as bigint;
  }
}
