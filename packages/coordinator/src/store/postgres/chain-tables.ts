// The PostgreSQL side of the coordinator on a chain: the SQLite engine's
// src/store/sqlite/chain-tables.ts (deposits, settlement batches, withdrawals, the outbox of
// signed transactions), sharing its row readers. Each whole step is one transaction. What differs
// is concurrency: outbox rows are locked by the step that reads them and moved by guarded updates,
// batchers skip the receipts another batcher is taking, a withdrawal locks the balance it checks,
// and money entering the books takes the incoming lock (src/store/postgres/pg-locks.ts).

import { bucket } from '../../ledger/buckets.ts';
import * as movements from '../../ledger/movements.ts';
import type { BondEvent, ChainBooks, ChainDeposit, DepositRecord, NewSlash, OutboxCount, OutboxRecord, OutboxState, SlashEvidence, StoredReceipt, WithdrawalOutcome } from '../store.ts';
import { num, numOrNull } from '../sqlite/rows.ts';
import { pickSettlementBatch, SETTLE_SCAN_FACTOR } from '../rows/settlement-batch.ts';
import { toOutbox, toStoredReceipt } from '../sqlite/chain-tables.ts';
import type { PgBondTables } from './bond-tables.ts';
import type { PgDb, Queryable } from './pg-db.ts';
import type { PgLedger } from './pg-ledger.ts';
import { lockIncoming, lockSlashOf } from './pg-locks.ts';

const CURSOR_SETTING = 'chain_cursor';

const OUTBOX_SELECT = 'SELECT o.*, (SELECT count(*) FROM receipts r WHERE r.settlement_id = o.outbox_id) AS receipt_count FROM chain_outbox o';

export class PgChainTables {
  constructor(
    private readonly db: PgDb,
    private readonly ledger: PgLedger,
    private readonly bonds: PgBondTables,
  ) {}

  /** `lock`: hold the row until the transaction ends (a step that reads it, then moves it). */
  private async outboxRow(q: Queryable, outboxId: number, lock = false): Promise<OutboxRecord | null> {
    const row = await q.get(`${OUTBOX_SELECT} WHERE o.outbox_id = ?${lock ? ' FOR UPDATE OF o' : ''}`, [outboxId]);
    return row ? toOutbox(row) : null;
  }

  /** Changes a row's state only from the states given; false when it was elsewhere (a concurrent step). */
  private async move(q: Queryable, outboxId: number, from: OutboxState[], set: Record<string, unknown>, now: number): Promise<boolean> {
    const columns = Object.keys(set);
    const assignments = [...columns.map((column) => `${column} = @${column}`), 'updated_at = @now'].join(', ');
    const placeholders = from.map((_, i) => `@from${i}`).join(', ');
    const params: Record<string, unknown> = { ...set, now, outboxId };
    from.forEach((state, i) => (params[`from${i}`] = state));
    return (await q.run(`UPDATE chain_outbox SET ${assignments} WHERE outbox_id = @outboxId AND state IN (${placeholders})`, params)) > 0;
  }

  /** A whole read, or inside the caller's snapshot (the final height a bond is read at). */
  async chainCursor(q: Queryable = this.db.q, lock = false): Promise<number> {
    const value = (await q.value(`SELECT value FROM settings WHERE name = ?${lock ? ' FOR UPDATE' : ''}`, [CURSOR_SETTING])) as string | undefined;
    return value === undefined ? 0 : (JSON.parse(value) as number);
  }

  /** The cursor, its row (created at 0 on first use) locked until the transaction ends: one scan records a height at a time. */
  private async lockCursor(q: Queryable): Promise<number> {
    await q.run("INSERT INTO settings (name, value) VALUES (?, '0') ON CONFLICT (name) DO NOTHING", [CURSOR_SETTING]);
    return this.chainCursor(q, true);
  }

  async recordDeposits(scan: { nextHeight: number; deposits: ChainDeposit[]; bondEvents?: BondEvent[] }, now: number): Promise<{ credited: number; unmatched: number }> {
    return this.db.tx(async (q) => {
      let credited = 0;
      let unmatched = 0;
      if (scan.deposits.length > 0) await lockIncoming(q);
      for (const deposit of scan.deposits) {
        const memo = deposit.memo?.trim() ?? '';
        // A memo names an account that exists: one with a balance row or an API key spending from it.
        const known = memo !== '' && (await q.value('SELECT EXISTS (SELECT 1 FROM accounts WHERE account = @name) OR EXISTS (SELECT 1 FROM api_keys WHERE account = @name)', { name: memo })) === true;
        // Past the bound the deposit stays unmatched (visible to the operator) instead of being credited.
        const account = known && movements.admitsIncoming(await this.ledger.heldMicro(q), deposit.amountMicro) ? memo : null;
        // A deposit another scanner is recording waits here, then counts as seen: never credited twice.
        const inserted = await q.run(
          'INSERT INTO chain_deposits (tx_hash, block_height, from_address, amount_micro, memo, account, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tx_hash) DO NOTHING',
          [deposit.txHash, deposit.blockHeight, deposit.fromAddress, deposit.amountMicro, deposit.memo, account, now],
        );
        if (inserted === 0) continue;
        if (account === null) {
          unmatched++;
          continue;
        }
        await this.ledger.post(q, movements.deposit(account, deposit.amountMicro), now);
        credited++;
      }
      // Bond events of blocks below the cursor were applied by an overlapping scan: skipped, and
      // the cursor never moves back (see the SQLite engine). The cursor row is locked first.
      const cursor = await this.lockCursor(q);
      for (const event of scan.bondEvents ?? []) if (event.blockHeight >= cursor) await this.bonds.apply(q, event);
      await q.run('UPDATE settings SET value = ? WHERE name = ?', [JSON.stringify(Math.max(cursor, scan.nextHeight)), CURSOR_SETTING]);
      return { credited, unmatched };
    });
  }

  async unmatchedDeposits(limit: number, q: Queryable = this.db.q): Promise<DepositRecord[]> {
    return (await q.all('SELECT * FROM chain_deposits WHERE account IS NULL ORDER BY created_at, tx_hash LIMIT ?', [limit])).map((row) => ({
      txHash: row.tx_hash as string,
      blockHeight: num(row.block_height),
      fromAddress: row.from_address as string,
      amountMicro: row.amount_micro as bigint,
      memo: row.memo as string | null,
      account: null,
      createdAt: num(row.created_at),
    }));
  }

  /** One key per miner per batch, as in the SQLite engine; receipts another batcher holds are skipped (each goes in one batch). */
  async queueSettlement(options: { maxReceipts: number; olderThan: number }, now: number): Promise<OutboxRecord | null> {
    return this.db.tx(async (q) => {
      // Locked as read, skipping those another batcher holds: each receipt goes in one batch.
      const candidates = await q.all(
        `SELECT receipt_id, miner_id, miner_key, price_micro, created_at FROM receipts WHERE settlement_id IS NULL AND settled_at IS NULL AND released_at IS NOT NULL
         ORDER BY created_at, receipt_id LIMIT ? FOR UPDATE SKIP LOCKED`,
        [options.maxReceipts * SETTLE_SCAN_FACTOR],
      );
      const waiting = pickSettlementBatch(candidates, options);
      if (!waiting) return null;
      const total = waiting.reduce((sum, row) => sum + (row.price_micro as bigint), 0n);
      const outboxId = num(await q.value("INSERT INTO chain_outbox (kind, state, amount_micro, created_at, updated_at) VALUES ('settle', 'queued', ?, ?, ?) RETURNING outbox_id", [total, now, now]));
      await q.run('UPDATE receipts SET settlement_id = ? WHERE receipt_id = ANY(?::text[])', [outboxId, waiting.map((row) => row.receipt_id as string)]);
      return this.outboxRow(q, outboxId);
    });
  }

  private async receiptsOf(q: Queryable, outboxId: number): Promise<StoredReceipt[]> {
    return (await q.all('SELECT * FROM receipts WHERE settlement_id = ? ORDER BY created_at, receipt_id', [outboxId])).map(toStoredReceipt);
  }

  async settlementReceipts(outboxId: number): Promise<StoredReceipt[]> {
    return this.receiptsOf(this.db.q, outboxId);
  }

  async requestWithdrawal(input: { account: string; toAddress: string; amountMicro: bigint }, now: number): Promise<WithdrawalOutcome> {
    return this.db.tx(async (q): Promise<WithdrawalOutcome> => {
      const available = await this.ledger.lockAvailable(q, input.account);
      if (available < input.amountMicro) return { kind: 'insufficient_balance', availableMicro: available };
      const outboxId = num(
        await q.value("INSERT INTO chain_outbox (kind, state, account, to_address, amount_micro, created_at, updated_at) VALUES ('withdraw', 'queued', ?, ?, ?, ?, ?) RETURNING outbox_id", [
          input.account,
          input.toAddress,
          input.amountMicro,
          now,
          now,
        ]),
      );
      await this.ledger.post(q, movements.withdraw(input.account, input.amountMicro), now);
      return { kind: 'queued', withdrawal: (await this.outboxRow(q, outboxId))!, balance: await this.ledger.balance(q, input.account) };
    });
  }

  async getOutbox(outboxId: number): Promise<OutboxRecord | null> {
    return this.outboxRow(this.db.q, outboxId);
  }

  async listOutbox(states: readonly OutboxState[], limit: number, q: Queryable = this.db.q): Promise<OutboxRecord[]> {
    return (await q.all(`${OUTBOX_SELECT} WHERE o.state = ANY(?::text[]) ORDER BY o.outbox_id LIMIT ?`, [states, limit])).map(toOutbox);
  }

  async lastNonce(): Promise<number | null> {
    return numOrNull(await this.db.q.value("SELECT max(nonce) FROM chain_outbox WHERE state IN ('pending', 'sent', 'final')"));
  }

  async signOutbox(outboxId: number, signed: { nonce: number; txHash: string; txJson: string }, now: number): Promise<void> {
    await this.db.tx(async (q) => {
      if (!(await this.move(q, outboxId, ['queued'], { nonce: signed.nonce, tx_hash: signed.txHash, tx_json: signed.txJson, state: 'pending' }, now))) throw new Error(`outbox ${outboxId} is not queued`);
    });
  }

  async markOutboxSent(outboxId: number, now: number): Promise<void> {
    await this.db.tx((q) => this.move(q, outboxId, ['pending'], { state: 'sent' }, now));
  }

  async unsignOutbox(outboxId: number, reason: string, now: number): Promise<void> {
    await this.db.tx((q) => this.move(q, outboxId, ['pending', 'sent'], { state: 'queued', nonce: null, tx_hash: null, tx_json: null, error: reason }, now));
  }

  async finalizeOutbox(outboxId: number, blockHeight: number, now: number, slashCreditMicro: bigint, landedAs?: string): Promise<void> {
    await this.db.tx(async (q) => {
      const row = await this.outboxRow(q, outboxId, true);
      const set = { ...(row?.kind === 'slash' ? { amount_micro: slashCreditMicro } : {}), ...(landedAs === undefined ? {} : { nonce: null, tx_hash: landedAs, tx_json: null }) };
      if (!row || !(await this.move(q, outboxId, ['pending', 'sent'], { ...set, state: 'final', block_height: blockHeight, error: null, error_code: null }, now))) return;
      if (row.kind === 'withdraw') {
        await this.ledger.post(q, movements.withdrawn(row.account!, row.amountMicro), now);
      } else if (row.kind === 'slash') {
        const receiptId = (await q.value('SELECT receipt_id FROM chain_slashes WHERE outbox_id = ?', [outboxId])) as string;
        if (slashCreditMicro > 0n) await this.ledger.post(q, movements.slashCredit(row.account!, slashCreditMicro, receiptId), now);
      } else {
        await this.settle(q, await this.receiptsOf(q, outboxId), now);
      }
    });
  }

  /** The receipts' earnings leave the books: paid on chain to the miners' payout addresses (each once: guarded). */
  private async settle(q: Queryable, receipts: StoredReceipt[], now: number): Promise<void> {
    for (const receipt of receipts) {
      if ((await q.run('UPDATE receipts SET settled_at = ? WHERE receipt_id = ? AND settled_at IS NULL', [now, receipt.receiptId])) === 0) continue;
      await this.ledger.post(q, movements.settle({ ...receipt, claimed: receipt.claimedAt !== null }), now);
    }
  }

  async queueSlash(slash: NewSlash, now: number): Promise<OutboxRecord | null> {
    return this.db.tx(async (q) => {
      // No row to lock before the first slash exists: two at once are serialised on the receipt.
      await lockSlashOf(q, slash.receiptId);
      if (await q.get('SELECT 1 FROM chain_slashes WHERE receipt_id = ?', [slash.receiptId])) return null;
      const outboxId = num(await q.value("INSERT INTO chain_outbox (kind, state, account, amount_micro, created_at, updated_at) VALUES ('slash', 'queued', ?, 0, ?, ?) RETURNING outbox_id", [slash.account, now, now]));
      await q.run('INSERT INTO chain_slashes (receipt_id, outbox_id, job_id, miner_id, miner_key, check_id, evidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        slash.receiptId,
        outboxId,
        slash.jobId,
        slash.minerId,
        slash.minerKey,
        slash.checkId,
        JSON.stringify(slash.evidence),
        now,
      ]);
      return this.outboxRow(q, outboxId);
    });
  }

  async slashOf(outboxId: number): Promise<{ receiptId: string; minerKey: string; evidence: SlashEvidence } | null> {
    const row = await this.db.q.get('SELECT receipt_id, miner_key, evidence FROM chain_slashes WHERE outbox_id = ?', [outboxId]);
    return row ? { receiptId: row.receipt_id as string, minerKey: row.miner_key as string, evidence: JSON.parse(row.evidence as string) as SlashEvidence } : null;
  }

  async failOutbox(outboxId: number, errorCode: string, error: string, now: number): Promise<void> {
    await this.db.tx(async (q) => {
      const row = await this.outboxRow(q, outboxId, true);
      if (!row || !(await this.move(q, outboxId, ['queued', 'pending', 'sent'], { state: 'failed', error_code: errorCode, error }, now))) return;
      if (row.kind === 'withdraw') await this.ledger.post(q, movements.withdrawRefund(row.account!, row.amountMicro), now);
    });
  }

  async refuseSettlementReceipt(outboxId: number, receiptId: string, errorCode: string, error: string, now: number): Promise<number | null> {
    return this.db.tx(async (q) => {
      const row = await this.outboxRow(q, outboxId, true);
      const receipt = await q.get('SELECT price_micro FROM receipts WHERE receipt_id = ? AND settlement_id = ? AND settled_at IS NULL', [receiptId, outboxId]);
      if (!row || row.kind !== 'settle' || !receipt || row.receiptCount < 2) return null;
      const price = receipt.price_micro as bigint;
      // The rest of the batch is signed again without it: the refused transaction never entered a mempool, so its nonce is free.
      const detail = `receipt ${receiptId} was refused alone and set aside; the others are signed again`;
      if (!(await this.move(q, outboxId, ['pending', 'sent'], { state: 'queued', nonce: null, tx_hash: null, tx_json: null, amount_micro: row.amountMicro - price, error: detail }, now))) return null;
      const refusedId = num(
        await q.value("INSERT INTO chain_outbox (kind, state, amount_micro, error_code, error, created_at, updated_at) VALUES ('settle', 'failed', ?, ?, ?, ?, ?) RETURNING outbox_id", [price, errorCode, error, now, now]),
      );
      await q.run('UPDATE receipts SET settlement_id = ? WHERE receipt_id = ?', [refusedId, receiptId]);
      return refusedId;
    });
  }

  async resolveDuplicate(outboxId: number, settledReceiptIds: string[], detail: string, now: number): Promise<void> {
    await this.db.tx(async (q) => {
      if (!(await this.move(q, outboxId, ['pending', 'sent'], { state: 'duplicate', error_code: 'RECEIPT_ALREADY_CLAIMED', error: detail }, now))) return;
      const onChain = new Set(settledReceiptIds);
      const receipts = await this.receiptsOf(q, outboxId);
      await this.settle(q, receipts.filter((receipt) => onChain.has(receipt.receiptId)), now);
      const back = receipts.filter((receipt) => !onChain.has(receipt.receiptId)).map((receipt) => receipt.receiptId);
      await q.run('UPDATE receipts SET settlement_id = NULL WHERE receipt_id = ANY(?::text[]) AND settled_at IS NULL', [back]);
    });
  }

  async retryFailedSettlement(outboxId: number, now: number): Promise<boolean> {
    return this.db.tx(async (q) => {
      const row = await this.outboxRow(q, outboxId, true);
      if (!row || row.kind !== 'settle' || row.state !== 'failed') return false;
      await q.run('UPDATE receipts SET settlement_id = NULL WHERE settlement_id = ? AND settled_at IS NULL', [outboxId]);
      await this.move(q, outboxId, ['failed'], { error: `${row.error ?? ''} (receipts put back to be settled again)` }, now);
      return true;
    });
  }

  /** Inside the caller's snapshot: every figure from the same state. NUMERIC sums: no overflow. */
  async chainBooks(q: Queryable): Promise<ChainBooks> {
    const accounts = (await q.get('SELECT coalesce(sum(available), 0) AS available, coalesce(sum(escrowed), 0) AS escrowed, coalesce(sum(withdrawing), 0) AS withdrawing FROM accounts'))!;
    const earnings = (await q.value('SELECT coalesce(sum(held) + sum(earned) + sum(claimed), 0) FROM miner_earnings')) as bigint;
    const unmatched = (await q.value('SELECT coalesce(sum(amount_micro), 0) FROM chain_deposits WHERE account IS NULL')) as bigint;
    const credits = (await q.value("SELECT coalesce(sum(amount), 0) FROM ledger WHERE kind = 'credit' AND bucket = ?", [bucket.external])) as bigint;
    return {
      availableMicro: accounts.available as bigint,
      escrowedMicro: accounts.escrowed as bigint,
      unsettledEarningsMicro: earnings,
      pendingWithdrawalsMicro: accounts.withdrawing as bigint,
      unmatchedDepositsMicro: unmatched,
      adminCreditsMicro: -credits,
    };
  }

  async oldestUnsettledReceiptAt(q: Queryable = this.db.q): Promise<number | null> {
    return numOrNull(await q.value('SELECT min(created_at) FROM receipts WHERE settled_at IS NULL AND refunded_at IS NULL'));
  }

  async outboxCounts(): Promise<OutboxCount[]> {
    return (await this.db.q.all('SELECT kind, state, count(*) AS count FROM chain_outbox GROUP BY kind, state')).map((row) => ({
      kind: row.kind as OutboxCount['kind'],
      state: row.state as OutboxState,
      count: num(row.count),
    }));
  }
}
