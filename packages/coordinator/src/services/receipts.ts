// Receipts after completion: public reads, verification against pinned keys, and the miner's
// one-time claim of a receipt's earnings.

import { ApiError, parsePublicKey, publicKeyFromSecret, validateReceiptShape, verifyReceipt, type ReceiptCheck } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { CoordinatorStore, StoredReceipt } from '../store/store.ts';
import type { MinerDirectory } from './miner-directory.ts';
import type { Principal } from './principal.ts';

export class ReceiptService {
  readonly publicKey: Uint8Array;

  constructor(
    private readonly store: CoordinatorStore,
    private readonly directory: MinerDirectory,
    private readonly config: CoordinatorConfig,
    coordinatorSecretKey: Uint8Array,
  ) {
    this.publicKey = publicKeyFromSecret(coordinatorSecretKey);
  }

  async get(receiptId: string): Promise<StoredReceipt> {
    const receipt = await this.store.getReceipt(receiptId);
    if (!receipt) throw new ApiError('RECEIPT_NOT_FOUND', `Receipt ${receiptId} not found`);
    return receipt;
  }

  /**
   * Every check of docs/RECEIPTS.md with pinned keys only: the miner's key from this coordinator's
   * registry, this coordinator's own key, and the job's max_price when the job is ours.
   */
  async verify(receipt: unknown): Promise<{ valid: boolean; checks: ReceiptCheck[] }> {
    const shape = validateReceiptShape(receipt);
    if (!shape.ok) return verifyReceipt(receipt, {});
    const miner = await this.store.getMiner(shape.receipt.miner_id);
    const job = await this.store.getJob(shape.receipt.job_id);
    const verdict = verifyReceipt(receipt, { miner: miner ? parsePublicKey(miner.publicKey) : undefined, coordinator: this.publicKey }, job ? { maxPriceMicro: job.maxPriceMicro } : undefined);
    const checks = [...verdict.checks];
    if (!miner) checks.push({ name: 'miner_signature', ok: false, detail: `miner ${shape.receipt.miner_id} is not registered here, so its key cannot be pinned` });
    if (!job) checks.push({ name: 'job', ok: false, detail: `job ${shape.receipt.job_id} is not known here` });
    if (shape.receipt.chain_id !== this.config.chainId) checks.push({ name: 'chain_id', ok: false, detail: `this coordinator settles on ${this.config.chainId}` });
    return { valid: checks.every((check) => check.ok), checks };
  }

  async claim(principal: Principal, receiptId: string) {
    const stored = await this.get(receiptId);
    const miner = await this.directory.require(stored.minerId);
    if (miner.ownerKeyId !== principal.keyId) {
      throw new ApiError('AUTH_INSUFFICIENT_SCOPE', `Receipt ${receiptId} belongs to miner ${stored.minerId}, which another key registered`);
    }
    const outcome = await this.store.claimReceipt(receiptId, this.config.now());
    if (outcome.kind === 'not_found') throw new ApiError('RECEIPT_NOT_FOUND', `Receipt ${receiptId} not found`);
    if (outcome.kind === 'already_claimed') {
      throw new ApiError('RECEIPT_ALREADY_CLAIMED', `Receipt ${receiptId} was already claimed at ${new Date(outcome.claimedAt).toISOString()}; its earnings are pending settlement`);
    }
    return { receiptId, minerId: stored.minerId, amountMicro: outcome.amountMicro, claimedAt: outcome.claimedAt, settled: outcome.settled };
  }
}
