// The SQLite side of the double-entry ledger: writes the legs of a movement (built by the money
// rules in src/ledger/movements.ts) and keeps the balance columns in step, always inside the
// caller's transaction. It decides no amounts: what moves where is the movement's business.

import type { Statement } from 'better-sqlite3';
import { randomHex } from '@aitbc/protocol';
import { parseBucket } from '../../ledger/buckets.ts';
import type { Movement } from '../../ledger/movements.ts';
import { exactSum, joinSum } from './exact-sum.ts';
import type { Row } from './rows.ts';

/** Each bucket's balance column. */
const TABLE = { account: { table: 'accounts', key: 'account' }, miner: { table: 'miner_earnings', key: 'miner_id' } } as const;

// Movement ids only need to be unique: a random per-process prefix and a counter (no syscall per id).
const movementPrefix = `mv-${randomHex(6)}-`;
let movementCounter = 0;
const nextMovementId = () => `${movementPrefix}${(movementCounter++).toString(36)}`;

export class Ledger {
  /** `sql` prepares (and caches) a statement on the store's connection. */
  constructor(private readonly sql: (text: string) => Statement) {}

  ensureAccount(account: string, now: number): void {
    this.sql('INSERT INTO accounts (account, created_at) VALUES (?, ?) ON CONFLICT (account) DO NOTHING').run(account, now);
  }

  /** Writes one movement's legs. Must run inside a write transaction; the CHECKs refuse any negative balance. */
  post(movement: Movement, now: number): void {
    const movementId = nextMovementId();
    const insert = this.sql('INSERT INTO ledger (movement_id, kind, bucket, amount, job_id, receipt_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const leg of movement.legs) {
      insert.run(movementId, movement.kind, leg.bucket, leg.amount, movement.jobId, movement.receiptId, now);
      const owner = parseBucket(leg.bucket);
      if (!owner) continue;
      const { table, key } = TABLE[owner.owner];
      const column = owner.kind;
      if (leg.amount < 0n) {
        // A debit needs an existing balance; the CHECK refuses any that would go negative.
        const changed = this.sql(`UPDATE ${table} SET ${column} = ${column} + ? WHERE ${key} = ?`).run(leg.amount, owner.id).changes;
        if (changed === 0) throw new Error(`ledger debit from ${leg.bucket}, which has no balance`);
      } else if (owner.owner === 'account') {
        // One upsert creates the balance row on first use and applies the credit.
        this.sql(`INSERT INTO accounts (account, ${column}, created_at) VALUES (?, ?, ?) ON CONFLICT (account) DO UPDATE SET ${column} = ${column} + excluded.${column}`).run(owner.id, leg.amount, now);
      } else {
        this.sql(`INSERT INTO miner_earnings (miner_id, ${column}) VALUES (?, ?) ON CONFLICT (miner_id) DO UPDATE SET ${column} = ${column} + excluded.${column}`).run(owner.id, leg.amount);
      }
    }
  }

  /** µAIT inside the books: every account's and every miner's balance (see admitsIncoming). */
  heldMicro(): bigint {
    const accounts = this.sql(`SELECT ${exactSum('available', 'available')}, ${exactSum('escrowed', 'escrowed')}, ${exactSum('withdrawing', 'withdrawing')} FROM accounts`).get() as Row;
    const miners = this.sql(`SELECT ${exactSum('held', 'held')}, ${exactSum('earned', 'earned')}, ${exactSum('claimed', 'claimed')} FROM miner_earnings`).get() as Row;
    return joinSum(accounts, 'available') + joinSum(accounts, 'escrowed') + joinSum(accounts, 'withdrawing') + joinSum(miners, 'held') + joinSum(miners, 'earned') + joinSum(miners, 'claimed');
  }
}
