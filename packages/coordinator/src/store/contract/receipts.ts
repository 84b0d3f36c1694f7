// Co-signed receipts and their claims.

import type { ReceiptClaimOutcome, StoredReceipt } from '../store.ts';

export interface ReceiptStore {
  getReceipt(receiptId: string): Promise<StoredReceipt | null>;
  /** Moves the receipt's price from the miner's earned to claimed, once; releases it first when its window ended. */
  claimReceipt(receiptId: string, now: number): Promise<ReceiptClaimOutcome>;
}
