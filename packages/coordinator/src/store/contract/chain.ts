// The chain side: deposits, bonds, settlement batches, withdrawals, slashes, the outbox.

import type { BondEvent, ChainBooksSnapshot, ChainDeposit, DepositRecord, MinerBond, NewSlash, OutboxCount, OutboxRecord, OutboxState, SlashEvidence, StoredReceipt, WithdrawalOutcome } from '../store.ts';

export interface ChainStore {
  /** The next block height the deposit watcher reads (0 on a fresh database). */
  chainCursor(): Promise<number>;
  /**
   * Records deposits (once per tx hash), credits the matched ones, applies the bond events of those
   * final blocks and moves the cursor, in one transaction. Scans that overlap (two coordinators)
   * apply each bond event once: events of blocks below the cursor are skipped, and the cursor never
   * moves back.
   */
  recordDeposits(scan: { nextHeight: number; deposits: ChainDeposit[]; bondEvents?: BondEvent[] }, now: number): Promise<{ credited: number; unmatched: number }>;
  /** The miner's bond as final blocks show it; null when the miner is not registered. */
  minerBond(minerId: string): Promise<MinerBond | null>;
  unmatchedDeposits(limit: number): Promise<DepositRecord[]>;
  /**
   * Puts up to maxReceipts unbatched released receipts (due ones are released first) into a new settlement row when there are maxReceipts
   * of them or the oldest was made at or before `olderThan`; per miner, only receipts signed with one
   * key (that of its oldest waiting receipt), so the batch's `miner_keys` fits every receipt.
   */
  queueSettlement(options: { maxReceipts: number; olderThan: number }, now: number): Promise<OutboxRecord | null>;
  settlementReceipts(outboxId: number): Promise<StoredReceipt[]>;
  /** Moves the amount from available to withdrawing and queues the transfer, in one transaction. */
  requestWithdrawal(input: { account: string; toAddress: string; amountMicro: bigint }, now: number): Promise<WithdrawalOutcome>;
  getOutbox(outboxId: number): Promise<OutboxRecord | null>;
  /** Rows in the given states, oldest first. */
  listOutbox(states: readonly OutboxState[], limit: number): Promise<OutboxRecord[]>;
  /** The highest nonce any row was signed with that is or may be on chain (pending, sent, final). */
  lastNonce(): Promise<number | null>;
  /** queued → pending: the signed transaction is stored before it is sent. */
  signOutbox(outboxId: number, signed: { nonce: number; txHash: string; txJson: string }, now: number): Promise<void>;
  markOutboxSent(outboxId: number, now: number): Promise<void>;
  /** pending/sent → queued: the node refused this exact transaction for its nonce, so it is signed again later. */
  unsignOutbox(outboxId: number, reason: string, now: number): Promise<void>;
  /**
   * Final on chain: a withdrawal leaves the books, a settlement's receipts are paid, a slash credits
   * `slashCreditMicro` (its payout to the clearing address) to the harmed client. `landedAs`: the
   * hash of the earlier transaction that did the row's work (a slash refused as already slashed);
   * the row's own transaction never ran, so its nonce is given up and no later nonce counts from it.
   */
  finalizeOutbox(outboxId: number, blockHeight: number, now: number, slashCreditMicro?: bigint, landedAs?: string): Promise<void>;
  /** Queues a slash of the receipt; null when one was queued before (a receipt is slashed once, ever). */
  queueSlash(slash: NewSlash, now: number): Promise<OutboxRecord | null>;
  /** The slash an outbox row sends. */
  slashOf(outboxId: number): Promise<{ receiptId: string; minerKey: string; evidence: SlashEvidence } | null>;
  /** µAIT bonded + unbonding (not yet released) on a miner key, as final blocks show: what a slash could take. */
  slashableMicro(minerKey: string): Promise<bigint>;
  /** The receipts of a job and of its re-runs and tie-breaks (jobs.subject_job_id), oldest first. */
  receiptsOfRuns(jobId: string): Promise<StoredReceipt[]>;
  /** Refused: a withdrawal is refunded to available; a settlement keeps its receipts (visible, unsettled). */
  failOutbox(outboxId: number, errorCode: string, error: string, now: number): Promise<void>;
  /**
   * The chain refused one receipt of a settlement (pending/sent, two or more receipts): that
   * receipt moves to a new failed settlement row (visible, retryable by an operator) and the
   * rest of the batch goes back to queued, to be signed again. Returns the new row's id, or null
   * when nothing was split (a lone receipt, or the row moved meanwhile).
   */
  refuseSettlementReceipt(outboxId: number, receiptId: string, errorCode: string, error: string, now: number): Promise<number | null>;
  /** A settlement refused as a duplicate: receipts found on chain are settled, the rest go back to be batched again. */
  resolveDuplicate(outboxId: number, settledReceiptIds: string[], detail: string, now: number): Promise<void>;
  /** Puts a failed settlement's receipts back to be batched again (an operator's retry). */
  retryFailedSettlement(outboxId: number, now: number): Promise<boolean>;
  /** The books, the deposit cursor, up to `limit` open or refused outbox rows and unmatched deposits, in one snapshot. */
  chainBooks(limit: number): Promise<ChainBooksSnapshot>;
  /** When the oldest receipt neither settled on chain nor refunded by a dispute was made (epoch ms); null when none waits. */
  oldestUnsettledReceiptAt(): Promise<number | null>;
  /** Outbox rows by kind and state; pairs without rows are left out. */
  outboxCounts(): Promise<OutboxCount[]>;
}
