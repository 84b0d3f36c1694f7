// The PostgreSQL side of the double-entry ledger: writes the legs of a movement (built by the
// money rules in src/ledger/movements.ts) and keeps the balance columns in step, always inside the
// caller's transaction. It decides no amounts: what moves where is the movement's business.

import { randomHex } from '@aitbc/protocol';
import { parseBucket, type AccountBucketKind, type MinerBucketKind } from '../../ledger/buckets.ts';
import type { Movement } from '../../ledger/movements.ts';
import type { AccountBalance } from '../store.ts';
import type { Queryable } from './pg-db.ts';

/**
 * A movement: its legs, then each owner's balance columns moved by the sum of its legs (every
 * part of a WITH runs once, to completion, whether or not it is read). Owners
 * with a debit are updated (their row must exist: the count comes back to be checked); owners only
 * credited are upserted. (PostgreSQL checks an upsert's CHECKs on the row it would insert, so a
 * debit cannot go through the upsert.)
 */
const POST_MOVEMENT = `
  WITH legs AS (
    INSERT INTO ledger (movement_id, kind, bucket, amount, job_id, receipt_id, at)
    SELECT @movementId, @kind, leg.bucket, leg.amount, @jobId, @receiptId, @now
    FROM unnest(@buckets::text[], @amounts::bigint[]) WITH ORDINALITY AS leg(bucket, amount, n) ORDER BY leg.n
  ), account_debits AS (
    UPDATE accounts a SET available = a.available + d.available, escrowed = a.escrowed + d.escrowed, withdrawing = a.withdrawing + d.withdrawing
    FROM unnest(@debitedAccounts::text[], @debitedAvailable::bigint[], @debitedEscrowed::bigint[], @debitedWithdrawing::bigint[]) AS d(account, available, escrowed, withdrawing)
    WHERE a.account = d.account
    RETURNING 1
  ), account_credits AS (
    INSERT INTO accounts AS a (account, available, escrowed, withdrawing, created_at)
    SELECT d.account, d.available, d.escrowed, d.withdrawing, @now
    FROM unnest(@creditedAccounts::text[], @creditedAvailable::bigint[], @creditedEscrowed::bigint[], @creditedWithdrawing::bigint[]) WITH ORDINALITY AS d(account, available, escrowed, withdrawing, n) ORDER BY d.n
    ON CONFLICT (account) DO UPDATE SET available = a.available + excluded.available, escrowed = a.escrowed + excluded.escrowed, withdrawing = a.withdrawing + excluded.withdrawing
  ), miner_debits AS (
    UPDATE miner_earnings m SET earned = m.earned + d.earned, claimed = m.claimed + d.claimed, held = m.held + d.held
    FROM unnest(@debitedMiners::text[], @debitedEarned::bigint[], @debitedClaimed::bigint[], @debitedHeld::bigint[]) AS d(miner_id, earned, claimed, held)
    WHERE m.miner_id = d.miner_id
    RETURNING 1
  ), miner_credits AS (
    INSERT INTO miner_earnings AS m (miner_id, earned, claimed, held)
    SELECT d.miner_id, d.earned, d.claimed, d.held
    FROM unnest(@creditedMiners::text[], @creditedEarned::bigint[], @creditedClaimed::bigint[], @creditedHeld::bigint[]) WITH ORDINALITY AS d(miner_id, earned, claimed, held, n) ORDER BY d.n
    ON CONFLICT (miner_id) DO UPDATE SET earned = m.earned + excluded.earned, claimed = m.claimed + excluded.claimed, held = m.held + excluded.held
  )
  SELECT (SELECT count(*) FROM account_debits) + (SELECT count(*) FROM miner_debits) AS debited`;

type Deltas<Kind extends string> = Map<string, Record<Kind, bigint>>;

/** Each owner's deltas, in id order (rows locked in one order, so two movements never wait on each other in a cycle), split into those with a debit and those only credited. */
function split<Kind extends string>(deltas: Deltas<Kind>, kinds: readonly Kind[]): { debited: [string, Record<Kind, bigint>][]; credited: [string, Record<Kind, bigint>][] } {
  const rows = [...deltas].sort(([a], [b]) => (a < b ? -1 : 1));
  const debited = rows.filter(([, row]) => kinds.some((kind) => row[kind] < 0n));
  return { debited, credited: rows.filter((row) => !debited.includes(row)) };
}

/** The statement's parameters for one owner kind: ids and one array per column, by prefix. */
function columns<Kind extends string>(prefix: string, idName: string, rows: [string, Record<Kind, bigint>][], kinds: readonly Kind[]): Record<string, unknown> {
  const named: Record<string, unknown> = { [`${prefix}${idName}`]: rows.map(([id]) => id) };
  for (const kind of kinds) named[`${prefix}${kind[0]!.toUpperCase()}${kind.slice(1)}`] = rows.map(([, row]) => row[kind]);
  return named;
}

const ACCOUNT_KINDS: readonly AccountBucketKind[] = ['available', 'escrowed', 'withdrawing'];
const MINER_KINDS: readonly MinerBucketKind[] = ['earned', 'claimed', 'held'];

// Movement ids only need to be unique: a random per-process prefix and a counter.
const movementPrefix = `mv-${randomHex(6)}-`;
let movementCounter = 0;
const nextMovementId = () => `${movementPrefix}${(movementCounter++).toString(36)}`;

export class PgLedger {
  /**
   * The account's available µAIT, its row created if new and locked until the transaction ends, in
   * one statement: an upsert's update locks the row's latest version and returns it (READ COMMITTED).
   */
  async openAndLockAvailable(q: Queryable, account: string, now: number): Promise<bigint> {
    return (await q.value('INSERT INTO accounts (account, created_at) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET created_at = accounts.created_at RETURNING available', [account, now])) as bigint;
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

  /**
   * Writes one movement's legs and moves the balance columns, in one statement (one round trip to
   * the server, where a leg at a time took two). Inside a transaction; the CHECKs refuse any
   * negative balance, also a debit from a balance that has no row yet (it would be inserted below 0).
   */
  async post(q: Queryable, movement: Movement, now: number): Promise<void> {
    const accounts: Deltas<AccountBucketKind> = new Map();
    const miners: Deltas<MinerBucketKind> = new Map();
    for (const leg of movement.legs) {
      const owner = parseBucket(leg.bucket);
      if (!owner) continue;
      // One row per owner: a statement may not change a row twice.
      if (owner.owner === 'account') {
        const deltas = accounts.get(owner.id) ?? { available: 0n, escrowed: 0n, withdrawing: 0n };
        deltas[owner.kind] += leg.amount;
        accounts.set(owner.id, deltas);
      } else {
        const deltas = miners.get(owner.id) ?? { earned: 0n, claimed: 0n, held: 0n };
        deltas[owner.kind] += leg.amount;
        miners.set(owner.id, deltas);
      }
    }
    const accountRows = split(accounts, ACCOUNT_KINDS);
    const minerRows = split(miners, MINER_KINDS);
    const counts = await q.get(POST_MOVEMENT, {
      movementId: nextMovementId(),
      kind: movement.kind,
      jobId: movement.jobId,
      receiptId: movement.receiptId,
      now,
      buckets: movement.legs.map((leg) => leg.bucket),
      amounts: movement.legs.map((leg) => leg.amount),
      ...columns('debited', 'Accounts', accountRows.debited, ACCOUNT_KINDS),
      ...columns('credited', 'Accounts', accountRows.credited, ACCOUNT_KINDS),
      ...columns('debited', 'Miners', minerRows.debited, MINER_KINDS),
      ...columns('credited', 'Miners', minerRows.credited, MINER_KINDS),
    });
    const missing = accountRows.debited.length + minerRows.debited.length - Number(counts!.debited);
    if (missing > 0) throw new Error(`ledger debit (${movement.kind}) from ${missing} balance(s) with no row`);
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
