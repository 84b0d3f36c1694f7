// The SQLite side of the coordinator on a chain: deposits, settlement batches, withdrawals and the
// outbox of signed transactions. Each method is one transaction; money moves through the ledger
// in the same transaction as the state change it pays for.

import type { Statement } from 'better-sqlite3';
import type { Receipt } from '@aitbc/protocol';
import { bucket } from '../../ledger/buckets.ts';
import * as movements from '../../ledger/movements.ts';
import { exactSum, joinSum } from './exact-sum.ts';
import type { Ledger } from './ledger.ts';
import { num, numOrNull, type Row } from './rows.ts';
import type { SqliteBondTables } from './bond-tables.ts';
import { pickSettlementBatch } from '../rows/settlement-batch.ts';
import type { AccountBalance, BondEvent, ChainBooks, ChainDeposit, DepositRecord, NewSlash, OutboxCount, OutboxRecord, OutboxState, SlashEvidence, StoredReceipt, WithdrawalOutcome } from '../store.ts';

const CURSOR_SETTING = 'chain_cursor';

export function toOutbox(row: Row): OutboxRecord {
  return {
    outboxId: num(row.outbox_id),
    kind: row.kind as OutboxRecord['kind'],
    state: row.state as OutboxState,
    account: row.account as string | null,
    toAddress: row.to_address as string | null,
    amountMicro: row.amount_micro as bigint,
    receiptCount: Number((row.receipt_count as bigint | undefined) ?? 0n),
    nonce: numOrNull(row.nonce),
    txHash: row.tx_hash as string | null,
    txJson: row.tx_json as string | null,
    blockHeight: numOrNull(row.block_height),
    errorCode: row.error_code as string | null,
    error: row.error as string | null,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function toStoredReceipt(row: Row): StoredReceipt {
  return {
    receiptId: row.receipt_id as string,
    jobId: row.job_id as string,
    minerId: row.miner_id as string,
    account: row.account as string,
    receipt: JSON.parse(row.body as string) as Receipt,
    minerKey: (row.miner_key as string | null | undefined) ?? null,
    priceMicro: row.price_micro as bigint,
    createdAt: num(row.created_at),
    claimedAt: numOrNull(row.claimed_at),
    settledAt: numOrNull(row.settled_at),
  };
}

const OUTBOX_SELECT = `SELECT o.*, (SELECT count(*) FROM receipts r WHERE r.settlement_id = o.outbox_id) AS receipt_count FROM chain_outbox o`;

export class SqliteChainTables {
  constructor(
    private readonly sql: (text: string) => Statement,
    private readonly write: <T>(fn: () => T) => Promise<T>,
    private readonly ledger: Ledger,
    private readonly balance: (account: string) => AccountBalance,
    private readonly bonds: SqliteBondTables,
  ) {}

  private outboxRow(outboxId: number): OutboxRecord | null {
    const row = this.sql(`${OUTBOX_SELECT} WHERE o.outbox_id = ?`).get(outboxId) as Row | undefined;
    return row ? toOutbox(row) : null;
  }

  /** Changes a row's state only from the states given; false when it was elsewhere (a concurrent step). */
  private move(outboxId: number, from: OutboxState[], set: Record<string, unknown>, now: number): boolean {
    const columns = Object.keys(set);
    const assignments = [...columns.map((column) => `${column} = @${column}`), 'updated_at = @now'].join(', ');
    const placeholders = from.map((_, i) => `@from${i}`).join(', ');
    const params: Record<string, unknown> = { ...set, now, outboxId };
    from.forEach((state, i) => (params[`from${i}`] = state));
    return this.sql(`UPDATE chain_outbox SET ${assignments} WHERE outbox_id = @outboxId AND state IN (${placeholders})`).run(params).changes > 0;
  }

  chainCursor(): number {
    const value = this.sql('SELECT value FROM settings WHERE name = ?').pluck().get(CURSOR_SETTING) as string | undefined;
    return value === undefined ? 0 : (JSON.parse(value) as number);
  }

  recordDeposits(scan: { nextHeight: number; deposits: ChainDeposit[]; bondEvents?: BondEvent[] }, now: number): Promise<{ credited: number; unmatched: number }> {
    return this.write(() => {
      let credited = 0;
      let unmatched = 0;
      // A memo names an account that exists: one with a balance row or an API key spending from it.
      const known = this.sql('SELECT EXISTS (SELECT 1 FROM accounts WHERE account = @name) OR EXISTS (SELECT 1 FROM api_keys WHERE account = @name)').pluck();
      for (const deposit of scan.deposits) {
        const memo = deposit.memo?.trim() ?? '';
        const named = memo !== '' && Number(known.get({ name: memo })) === 1 ? memo : null;
        // Past the bound the deposit stays unmatched (visible to the operator) instead of being credited.
        const account = named !== null && movements.admitsIncoming(this.ledger.heldMicro(), deposit.amountMicro) ? named : null;
        const inserted = this
          .sql('INSERT INTO chain_deposits (tx_hash, block_height, from_address, amount_micro, memo, account, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tx_hash) DO NOTHING')
          .run(deposit.txHash, deposit.blockHeight, deposit.fromAddress, deposit.amountMicro, deposit.memo, account, now).changes;
        if (inserted === 0) continue; // seen before: never credited twice
        if (account === null) {
          unmatched++;
          continue;
        }
        this.ledger.post(movements.deposit(account, deposit.amountMicro), now);
        credited++;
      }
      // Blocks below the cursor were recorded, bond events and all, by an overlapping scan (another
      // coordinator's): theirs are skipped, and the cursor never moves back.
      const cursor = this.chainCursor();
      for (const event of scan.bondEvents ?? []) if (event.blockHeight >= cursor) this.bonds.apply(event);
      this.sql('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(CURSOR_SETTING, JSON.stringify(Math.max(cursor, scan.nextHeight)));
      return { credited, unmatched };
    });
  }

  unmatchedDeposits(limit: number): DepositRecord[] {
    return (this.sql('SELECT * FROM chain_deposits WHERE account IS NULL ORDER BY created_at, tx_hash LIMIT ?').all(limit) as Row[]).map((row) => ({
      txHash: row.tx_hash as string,
      blockHeight: num(row.block_height),
      fromAddress: row.from_address as string,
      amountMicro: row.amount_micro as bigint,
      memo: row.memo as string | null,
      account: null,
      createdAt: num(row.created_at),
    }));
  }

  queueSettlement(options: { maxReceipts: number; olderThan: number }, now: number): Promise<OutboxRecord | null> {
    return this.write(() => {
      const waiting = pickSettlementBatch(
        this.sql('SELECT receipt_id, miner_id, miner_key, price_micro, created_at FROM receipts INDEXED BY receipts_unbatched WHERE settlement_id IS NULL AND settled_at IS NULL AND released_at IS NOT NULL ORDER BY created_at').iterate() as IterableIterator<Row>,
        options,
      );
      if (!waiting) return null;
      const total = waiting.reduce((sum, row) => sum + (row.price_micro as bigint), 0n);
      const outboxId = Number(
        this
          .sql("INSERT INTO chain_outbox (kind, state, amount_micro, created_at, updated_at) VALUES ('settle', 'queued', ?, ?, ?) RETURNING outbox_id")
          .pluck()
          .get(total, now, now) as bigint,
      );
      const attach = this.sql('UPDATE receipts SET settlement_id = ? WHERE receipt_id = ?');
      for (const row of waiting) attach.run(outboxId, row.receipt_id);
      return this.outboxRow(outboxId);
    });
  }

  settlementReceipts(outboxId: number): StoredReceipt[] {
    return (this.sql('SELECT * FROM receipts WHERE settlement_id = ? ORDER BY created_at, receipt_id').all(outboxId) as Row[]).map(toStoredReceipt);
  }

  requestWithdrawal(input: { account: string; toAddress: string; amountMicro: bigint }, now: number): Promise<WithdrawalOutcome> {
    return this.write((): WithdrawalOutcome => {
      const available = (this.sql('SELECT available FROM accounts WHERE account = ?').pluck().get(input.account) as bigint | undefined) ?? 0n;
      if (available < input.amountMicro) return { kind: 'insufficient_balance', availableMicro: available };
      const outboxId = Number(
        this
          .sql("INSERT INTO chain_outbox (kind, state, account, to_address, amount_micro, created_at, updated_at) VALUES ('withdraw', 'queued', ?, ?, ?, ?, ?) RETURNING outbox_id")
          .pluck()
          .get(input.account, input.toAddress, input.amountMicro, now, now) as bigint,
      );
      this.ledger.post(movements.withdraw(input.account, input.amountMicro), now);
      return { kind: 'queued', withdrawal: this.outboxRow(outboxId)!, balance: this.balance(input.account) };
    });
  }

  getOutbox(outboxId: number): OutboxRecord | null {
    return this.outboxRow(outboxId);
  }

  listOutbox(states: readonly OutboxState[], limit: number): OutboxRecord[] {
    const placeholders = states.map(() => '?').join(', ');
    return (this.sql(`${OUTBOX_SELECT} WHERE o.state IN (${placeholders}) ORDER BY o.outbox_id LIMIT ?`).all(...states, limit) as Row[]).map(toOutbox);
  }

  lastNonce(): number | null {
    return numOrNull(this.sql("SELECT max(nonce) FROM chain_outbox WHERE state IN ('pending', 'sent', 'final')").pluck().get());
  }

  signOutbox(outboxId: number, signed: { nonce: number; txHash: string; txJson: string }, now: number): Promise<void> {
    return this.write(() => {
      if (!this.move(outboxId, ['queued'], { nonce: signed.nonce, tx_hash: signed.txHash, tx_json: signed.txJson, state: 'pending' }, now)) throw new Error(`outbox ${outboxId} is not queued`);
    });
  }

  markOutboxSent(outboxId: number, now: number): Promise<void> {
    return this.write(() => void this.move(outboxId, ['pending'], { state: 'sent' }, now));
  }

  unsignOutbox(outboxId: number, reason: string, now: number): Promise<void> {
    return this.write(() => void this.move(outboxId, ['pending', 'sent'], { state: 'queued', nonce: null, tx_hash: null, tx_json: null, error: reason }, now));
  }

  finalizeOutbox(outboxId: number, blockHeight: number, now: number, slashCreditMicro: bigint, landedAs?: string): Promise<void> {
    return this.write(() => {
      const row = this.outboxRow(outboxId);
      const set = { ...(row?.kind === 'slash' ? { amount_micro: slashCreditMicro } : {}), ...(landedAs === undefined ? {} : { nonce: null, tx_hash: landedAs, tx_json: null }) };
      if (!row || !this.move(outboxId, ['pending', 'sent'], { ...set, state: 'final', block_height: blockHeight, error: null, error_code: null }, now)) return;
      if (row.kind === 'withdraw') {
        this.ledger.post(movements.withdrawn(row.account!, row.amountMicro), now);
      } else if (row.kind === 'slash') {
        const receiptId = this.sql('SELECT receipt_id FROM chain_slashes WHERE outbox_id = ?').pluck().get(outboxId) as string;
        if (slashCreditMicro > 0n) this.ledger.post(movements.slashCredit(row.account!, slashCreditMicro, receiptId), now);
      } else {
        this.settle(this.settlementReceipts(outboxId), now);
      }
    });
  }

  /** The receipts' earnings leave the books: paid on chain to the miners' payout addresses. */
  private settle(receipts: StoredReceipt[], now: number): void {
    const mark = this.sql('UPDATE receipts SET settled_at = ? WHERE receipt_id = ? AND settled_at IS NULL');
    for (const receipt of receipts) {
      if (mark.run(now, receipt.receiptId).changes === 0) continue;
      this.ledger.post(movements.settle({ ...receipt, claimed: receipt.claimedAt !== null }), now);
    }
  }

  queueSlash(slash: NewSlash, now: number): Promise<OutboxRecord | null> {
    return this.write(() => {
      if (this.sql('SELECT 1 FROM chain_slashes WHERE receipt_id = ?').get(slash.receiptId)) return null;
      const outboxId = Number(
        this
          .sql("INSERT INTO chain_outbox (kind, state, account, amount_micro, created_at, updated_at) VALUES ('slash', 'queued', ?, 0, ?, ?) RETURNING outbox_id")
          .pluck()
          .get(slash.account, now, now) as bigint,
      );
      this.sql('INSERT INTO chain_slashes (receipt_id, outbox_id, job_id, miner_id, miner_key, check_id, evidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        slash.receiptId,
        outboxId,
        slash.jobId,
        slash.minerId,
        slash.minerKey,
        slash.checkId,
        JSON.stringify(slash.evidence),
        now,
      );
      return this.outboxRow(outboxId);
    });
  }

  slashOf(outboxId: number): { receiptId: string; minerKey: string; evidence: SlashEvidence } | null {
    const row = this.sql('SELECT receipt_id, miner_key, evidence FROM chain_slashes WHERE outbox_id = ?').get(outboxId) as Row | undefined;
    return row ? { receiptId: row.receipt_id as string, minerKey: row.miner_key as string, evidence: JSON.parse(row.evidence as string) as SlashEvidence } : null;
  }

  failOutbox(outboxId: number, errorCode: string, error: string, now: number): Promise<void> {
    return this.write(() => {
      const row = this.outboxRow(outboxId);
      if (!row || !this.move(outboxId, ['queued', 'pending', 'sent'], { state: 'failed', error_code: errorCode, error }, now)) return;
      if (row.kind === 'withdraw') {
        this.ledger.post(movements.withdrawRefund(row.account!, row.amountMicro), now);
      }
    });
  }

  refuseSettlementReceipt(outboxId: number, receiptId: string, errorCode: string, error: string, now: number): Promise<number | null> {
    return this.write(() => {
      const row = this.outboxRow(outboxId);
      const receipt = this.sql('SELECT price_micro FROM receipts WHERE receipt_id = ? AND settlement_id = ? AND settled_at IS NULL').get(receiptId, outboxId) as Row | undefined;
      if (!row || row.kind !== 'settle' || !receipt || row.receiptCount < 2) return null;
      const price = receipt.price_micro as bigint;
      // The rest of the batch is signed again without it: the refused transaction never entered a mempool, so its nonce is free.
      const detail = `receipt ${receiptId} was refused alone and set aside; the others are signed again`;
      if (!this.move(outboxId, ['pending', 'sent'], { state: 'queued', nonce: null, tx_hash: null, tx_json: null, amount_micro: row.amountMicro - price, error: detail }, now)) return null;
      const refusedId = Number(
        this
          .sql("INSERT INTO chain_outbox (kind, state, amount_micro, error_code, error, created_at, updated_at) VALUES ('settle', 'failed', ?, ?, ?, ?, ?) RETURNING outbox_id")
          .pluck()
          .get(price, errorCode, error, now, now) as bigint,
      );
      this.sql('UPDATE receipts SET settlement_id = ? WHERE receipt_id = ?').run(refusedId, receiptId);
      return refusedId;
    });
  }

  resolveDuplicate(outboxId: number, settledReceiptIds: string[], detail: string, now: number): Promise<void> {
    return this.write(() => {
      if (!this.move(outboxId, ['pending', 'sent'], { state: 'duplicate', error_code: 'RECEIPT_ALREADY_CLAIMED', error: detail }, now)) return;
      const onChain = new Set(settledReceiptIds);
      const receipts = this.settlementReceipts(outboxId);
      this.settle(receipts.filter((receipt) => onChain.has(receipt.receiptId)), now);
      const detach = this.sql('UPDATE receipts SET settlement_id = NULL WHERE receipt_id = ? AND settled_at IS NULL');
      for (const receipt of receipts) if (!onChain.has(receipt.receiptId)) detach.run(receipt.receiptId);
    });
  }

  retryFailedSettlement(outboxId: number, now: number): Promise<boolean> {
    return this.write(() => {
      const row = this.outboxRow(outboxId);
      if (!row || row.kind !== 'settle' || row.state !== 'failed') return false;
      this.sql('UPDATE receipts SET settlement_id = NULL WHERE settlement_id = ? AND settled_at IS NULL').run(outboxId);
      this.move(outboxId, ['failed'], { error: `${row.error ?? ''} (receipts put back to be settled again)` }, now);
      return true;
    });
  }

  chainBooks(): ChainBooks {
    // Exact sums: admin credits add up over the whole history, which no bound on balances limits.
    const accounts = this.sql(`SELECT ${exactSum('available', 'available')}, ${exactSum('escrowed', 'escrowed')}, ${exactSum('withdrawing', 'withdrawing')} FROM accounts`).get() as Row;
    const earnings = this.sql(`SELECT ${exactSum('held', 'held')}, ${exactSum('earned', 'earned')}, ${exactSum('claimed', 'claimed')} FROM miner_earnings`).get() as Row;
    const unmatched = this.sql(`SELECT ${exactSum('amount_micro', 'total')} FROM chain_deposits WHERE account IS NULL`).get() as Row;
    const credits = this.sql(`SELECT ${exactSum('amount', 'total')} FROM ledger WHERE kind = 'credit' AND bucket = ?`).get(bucket.external) as Row;
    return {
      availableMicro: joinSum(accounts, 'available'),
      escrowedMicro: joinSum(accounts, 'escrowed'),
      unsettledEarningsMicro: joinSum(earnings, 'held') + joinSum(earnings, 'earned') + joinSum(earnings, 'claimed'),
      pendingWithdrawalsMicro: joinSum(accounts, 'withdrawing'),
      unmatchedDepositsMicro: joinSum(unmatched, 'total'),
      adminCreditsMicro: -joinSum(credits, 'total'),
    };
  }

  oldestUnsettledReceiptAt(): number | null {
    // Index receipts_unsettled (migration 011): the first row in order, not a scan of every settled receipt.
    return numOrNull(this.sql('SELECT min(created_at) FROM receipts WHERE settled_at IS NULL AND refunded_at IS NULL').pluck().get());
  }

  outboxCounts(): OutboxCount[] {
    return (this.sql('SELECT kind, state, count(*) AS count FROM chain_outbox GROUP BY kind, state').all() as Row[]).map((row) => ({
      kind: row.kind as OutboxCount['kind'],
      state: row.state as OutboxState,
      count: num(row.count),
    }));
  }
}
