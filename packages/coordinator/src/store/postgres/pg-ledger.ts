// The PostgreSQL side of the double-entry ledger: writes the legs of a movement (built by the
// money rules in src/ledger/movements.ts) and keeps the balance columns in step, always inside the
// caller's transaction. It decides no amounts: what moves where is the movement's business.

import { randomHex } from '@aitbc/protocol';
import { parseBucket, type AccountBucketKind, type MinerBucketKind } from '../../ledger/buckets.ts';
import type { Movement } from '../../ledger/movements.ts';
import type { AccountBalance } from '../store.ts';
import type { Queryable } from './pg-db.ts';

/** A table of balance columns, one row per owner, and the statement parameters that carry its deltas. */
interface BalanceTable<Kind extends string> {
  table: string;
  key: string;
  kinds: readonly Kind[];
  /** `debited<param>` and `credited<param>` carry the owner ids; `debited<Kind>` etc. the deltas. */
  param: string;
  /** The row's creation time, for a table that keeps it. */
  createdAt: boolean;
}

const ACCOUNTS: BalanceTable<AccountBucketKind> = { table: 'accounts', key: 'account', kinds: ['available', 'escrowed', 'withdrawing'], param: 'Accounts', createdAt: true };
const MINERS: BalanceTable<MinerBucketKind> = { table: 'miner_earnings', key: 'miner_id', kinds: ['earned', 'claimed', 'held'], param: 'Miners', createdAt: false };

const capitalised = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}`;

/**
 * The parts of POST_MOVEMENT that move one table's balance columns: owners with a debit are
 * updated (their row must exist: the statement returns how many were), owners only credited are
 * upserted. (PostgreSQL checks an upsert's CHECKs on the row it would insert, so a debit cannot
 * go through the upsert.)
 */
function balanceParts<Kind extends string>({ table, key, kinds, param, createdAt }: BalanceTable<Kind>): string {
  const arrays = (side: string) => `unnest(@${side}${param}::text[], ${kinds.map((kind) => `@${side}${capitalised(kind)}::bigint[]`).join(', ')})`;
  const add = (from: string) => kinds.map((kind) => `${kind} = t.${kind} + ${from}.${kind}`).join(', ');
  const columns = `${key}, ${kinds.join(', ')}`;
  return `${table}_debits AS (
    UPDATE ${table} t SET ${add('d')} FROM ${arrays('debited')} AS d(${columns}) WHERE t.${key} = d.${key} RETURNING 1
  ), ${table}_credits AS (
    INSERT INTO ${table} AS t (${columns}${createdAt ? ', created_at' : ''})
    SELECT ${[key, ...kinds].map((column) => `d.${column}`).join(', ')}${createdAt ? ', @now' : ''}
    FROM ${arrays('credited')} WITH ORDINALITY AS d(${columns}, n) ORDER BY d.n
    ON CONFLICT (${key}) DO UPDATE SET ${add('excluded')}
  )`;
}

/** A movement: its legs, then each owner's balance columns moved by the sum of its legs (every part of a WITH runs once, to completion, whether or not it is read). */
const POST_MOVEMENT = `
  WITH legs AS (
    INSERT INTO ledger (movement_id, kind, bucket, amount, job_id, receipt_id, at)
    SELECT @movementId, @kind, leg.bucket, leg.amount, @jobId, @receiptId, @now
    FROM unnest(@buckets::text[], @amounts::bigint[]) WITH ORDINALITY AS leg(bucket, amount, n) ORDER BY leg.n
  ), ${balanceParts(ACCOUNTS)}, ${balanceParts(MINERS)}
  SELECT (SELECT count(*) FROM accounts_debits) + (SELECT count(*) FROM miner_earnings_debits) AS debited`;

type Deltas<Kind extends string> = Map<string, Record<Kind, bigint>>;

/** One row per owner: a statement may not change a row twice, so an owner's legs are summed first. */
function addDelta<Kind extends string>(deltas: Deltas<Kind>, { kinds }: BalanceTable<Kind>, id: string, kind: Kind, amount: bigint): void {
  const row = deltas.get(id) ?? (Object.fromEntries(kinds.map((each) => [each, 0n])) as Record<Kind, bigint>);
  row[kind] += amount;
  deltas.set(id, row);
}

/**
 * The statement's parameters for one table: each owner's deltas in id order (so that movements
 * tend to lock rows in one order; a deadlock all the same rolls the transaction back and runs it
 * again whole, pg-db.ts), those with a debit apart from those only credited. Also how many were
 * debited.
 */
function balanceParams<Kind extends string>(deltas: Deltas<Kind>, { kinds, param }: BalanceTable<Kind>): { named: Record<string, unknown>; debited: number } {
  const rows = [...deltas].sort(([a], [b]) => (a < b ? -1 : 1));
  const debited = rows.filter(([, row]) => kinds.some((kind) => row[kind] < 0n));
  const credited = rows.filter((row) => !debited.includes(row));
  const named: Record<string, unknown> = {};
  for (const [side, sideRows] of [['debited', debited], ['credited', credited]] as const) {
    named[`${side}${param}`] = sideRows.map(([id]) => id);
    for (const kind of kinds) named[`${side}${capitalised(kind)}`] = sideRows.map(([, row]) => row[kind]);
  }
  return { named, debited: debited.length };
}

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
   * negative balance, and a debit from a balance that has no row is an error.
   */
  async post(q: Queryable, movement: Movement, now: number): Promise<void> {
    const accounts: Deltas<AccountBucketKind> = new Map();
    const miners: Deltas<MinerBucketKind> = new Map();
    for (const leg of movement.legs) {
      const owner = parseBucket(leg.bucket);
      if (owner?.owner === 'account') addDelta(accounts, ACCOUNTS, owner.id, owner.kind, leg.amount);
      else if (owner) addDelta(miners, MINERS, owner.id, owner.kind, leg.amount);
    }
    const accountParams = balanceParams(accounts, ACCOUNTS);
    const minerParams = balanceParams(miners, MINERS);
    const counts = await q.get(POST_MOVEMENT, {
      movementId: nextMovementId(),
      kind: movement.kind,
      jobId: movement.jobId,
      receiptId: movement.receiptId,
      now,
      buckets: movement.legs.map((leg) => leg.bucket),
      amounts: movement.legs.map((leg) => leg.amount),
      ...accountParams.named,
      ...minerParams.named,
    });
    const missing = accountParams.debited + minerParams.debited - Number(counts!.debited);
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
