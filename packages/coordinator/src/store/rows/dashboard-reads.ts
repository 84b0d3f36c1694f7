// The web pages' reads (src/store/contract/dashboards.ts) as SQL both engines run unchanged, and
// their row readers. Days are whole UTC days counted from the epoch (created_at / 86400000, an
// integer division on both engines), named YYYY-MM-DD here. Sums are CAST back to BIGINT: all
// money in the books stays below MAX_AMOUNT_MICRO, far from 2^63.

import { num, numOrNull, type Row } from '../sqlite/rows.ts';
import type { DayEarnings, DaySpend, MinerPayout, OutboxState, ReceiptListQuery, ReceiptPage } from '../store.ts';

const DAY_MS = 86_400_000;
const dayName = (epochDay: unknown) => new Date(num(epochDay) * DAY_MS).toISOString().slice(0, 10);

export function receiptListStatement(query: ReceiptListQuery): { sql: string; params: Record<string, unknown> } {
  const conditions: string[] = [];
  if (query.account !== null) conditions.push('r.account = @account');
  if (query.minerId !== null) conditions.push('r.miner_id = @minerId');
  if (query.ownerKeyId !== null) conditions.push('r.miner_id IN (SELECT miner_id FROM miners WHERE owner_key_id = @ownerKeyId)');
  if (query.after) conditions.push('(r.created_at < @afterCreatedAt OR (r.created_at = @afterCreatedAt AND r.receipt_id < @afterReceiptId))');
  return {
    sql: `SELECT r.receipt_id, r.job_id, r.miner_id, r.account, r.price_micro, r.created_at, r.released_at, r.claimed_at, r.settled_at, r.refunded_at,
            j.model, j.prompt_tokens + j.completion_tokens AS units, o.outbox_id, o.state AS settlement_state, o.tx_hash, o.block_height
          FROM receipts r JOIN jobs j ON j.job_id = r.job_id LEFT JOIN chain_outbox o ON o.outbox_id = r.settlement_id
          ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
          ORDER BY r.created_at DESC, r.receipt_id DESC LIMIT @take`,
    params: { account: query.account, minerId: query.minerId, ownerKeyId: query.ownerKeyId, afterCreatedAt: query.after?.createdAt ?? null, afterReceiptId: query.after?.receiptId ?? null, take: query.limit + 1 },
  };
}

/** The page from receiptListStatement's rows. */
export function receiptPage(rows: Row[], limit: number): ReceiptPage {
  const items = rows.slice(0, limit).map((row) => ({
    receiptId: row.receipt_id as string,
    jobId: row.job_id as string,
    minerId: row.miner_id as string,
    account: row.account as string,
    model: row.model as string,
    priceMicro: row.price_micro as bigint,
    units: num(row.units ?? 0n),
    createdAt: num(row.created_at),
    releasedAt: numOrNull(row.released_at),
    claimedAt: numOrNull(row.claimed_at),
    settledAt: numOrNull(row.settled_at),
    refundedAt: numOrNull(row.refunded_at),
    settlement: row.outbox_id === null ? null : { outboxId: num(row.outbox_id), state: row.settlement_state as OutboxState, txHash: row.tx_hash as string | null, blockHeight: numOrNull(row.block_height) },
  }));
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? { createdAt: last.createdAt, receiptId: last.receiptId } : null };
}

export const EARNINGS_BY_DAY = `
  SELECT r.created_at / ${DAY_MS} AS epoch_day, j.model, count(*) AS jobs, CAST(sum(j.prompt_tokens + j.completion_tokens) AS BIGINT) AS units, CAST(sum(r.price_micro) AS BIGINT) AS earned
  FROM receipts r JOIN jobs j ON j.job_id = r.job_id
  WHERE r.miner_id = ? AND r.created_at >= ?
  GROUP BY r.created_at / ${DAY_MS}, j.model ORDER BY epoch_day, j.model`;

export const toDayEarnings = (row: Row): DayEarnings => ({ day: dayName(row.epoch_day), model: row.model as string, jobs: num(row.jobs), units: num(row.units ?? 0n), earnedMicro: row.earned as bigint });

export const MINER_PAYOUTS = `
  SELECT o.outbox_id, o.state, o.tx_hash, o.block_height, o.updated_at, count(*) AS receipts, CAST(sum(r.price_micro) AS BIGINT) AS amount
  FROM receipts r JOIN chain_outbox o ON o.outbox_id = r.settlement_id
  WHERE r.miner_id = ?
  GROUP BY o.outbox_id, o.state, o.tx_hash, o.block_height, o.updated_at ORDER BY o.outbox_id DESC LIMIT ?`;

export const toMinerPayout = (row: Row): MinerPayout => ({
  outboxId: num(row.outbox_id),
  state: row.state as OutboxState,
  txHash: row.tx_hash as string | null,
  blockHeight: numOrNull(row.block_height),
  amountMicro: row.amount as bigint,
  receipts: num(row.receipts),
  at: num(row.updated_at),
});

export const SPEND_BY_DAY = `
  SELECT ended_at / ${DAY_MS} AS epoch_day, count(*) AS jobs, CAST(sum(price_micro) AS BIGINT) AS spent
  FROM jobs WHERE account = ? AND status = 'completed' AND ended_at >= ?
  GROUP BY ended_at / ${DAY_MS} ORDER BY epoch_day`;

export const toDaySpend = (row: Row): DaySpend => ({ day: dayName(row.epoch_day), jobs: num(row.jobs), spentMicro: row.spent as bigint });

export const QUEUED_BY_MODEL = "SELECT model, count(*) AS n FROM jobs WHERE status = 'queued' GROUP BY model";

export const COMPLETED_SINCE = "SELECT count(*) FROM jobs WHERE status = 'completed' AND ended_at >= ?";

export const KEY_SUBMITS = 'SELECT coalesce((SELECT submits FROM key_usage WHERE key_id = ? AND day = ?), 0)';
