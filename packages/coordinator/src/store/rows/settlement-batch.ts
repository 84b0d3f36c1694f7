// Which waiting receipts make the next settlement batch, for both engines (each reads the
// candidates its own way). A settlement names one key per miner (`miner_keys`), so a batch takes,
// per miner, only the receipts signed with the key of that miner's oldest waiting receipt:
// receipts signed before a key change settle in a batch of their own, the newer ones in the next.

import type { Row } from '../sqlite/rows.ts';

/** How far past one batch's worth of receipts the batcher looks for receipts signed with the same keys. */
export const SETTLE_SCAN_FACTOR = 10;

/**
 * From unbatched released receipt rows (receipt_id, miner_id, miner_key, price_micro, created_at),
 * oldest first: the batch, or null when there is none to make yet (no receipt, or fewer than
 * `maxReceipts` and the oldest made after `olderThan`).
 */
export function pickSettlementBatch(oldestFirst: Iterable<Row>, options: { maxReceipts: number; olderThan: number }): Row[] | null {
  const keyOf = new Map<string, string | null>();
  const batch: Row[] = [];
  let scanned = 0;
  for (const row of oldestFirst) {
    if (++scanned > options.maxReceipts * SETTLE_SCAN_FACTOR) break;
    const minerId = row.miner_id as string;
    const key = (row.miner_key as string | null) ?? null;
    if (!keyOf.has(minerId)) keyOf.set(minerId, key);
    else if (keyOf.get(minerId) !== key) continue;
    batch.push(row);
    if (batch.length === options.maxReceipts) break;
  }
  if (batch.length === 0) return null;
  if (batch.length < options.maxReceipts && Number(batch[0]!.created_at as bigint) > options.olderThan) return null;
  return batch;
}
