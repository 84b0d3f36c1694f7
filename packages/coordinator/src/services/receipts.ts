// Receipts after completion: public reads, verification against pinned keys, and the miner's
// one-time claim of a receipt's earnings.

import { ApiError, parsePublicKey, publicKeyFromSecret, validateReceiptShape, verifyReceipt, type ReceiptCheck } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { CoordinatorStore, DisputeState, StoredReceipt } from '../store/store.ts';
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

  /** The key the receipt's miner signature was checked with when this coordinator accepted it. */
  async minerKey(receiptId: string): Promise<{ receiptId: string; minerId: string; minerKey: string }> {
    const stored = await this.get(receiptId);
    const minerKey = stored.minerKey ?? (await this.directory.require(stored.minerId)).publicKey;
    return { receiptId, minerId: stored.minerId, minerKey };
  }

  /**
   * Every check of docs/RECEIPTS.md with pinned keys only: the miner key this coordinator accepted the
   * receipt under (else the miner's registered key), this coordinator's own key, and the job's
   * max_price when the job is ours.
   */
  async verify(receipt: unknown): Promise<{ valid: boolean; checks: ReceiptCheck[] }> {
    const shape = validateReceiptShape(receipt);
    if (!shape.ok) return verifyReceipt(receipt, {});
    const miner = await this.store.getMiner(shape.receipt.miner_id);
    const job = await this.store.getJob(shape.receipt.job_id);
    // The key this coordinator checked the receipt with when it accepted it: a miner that later
    // registered another key leaves its older receipts valid. A receipt we never accepted (or a
    // different one under the same id) falls back to the miner's registered key.
    const stored = await this.store.getReceipt(shape.receipt.receipt_id);
    const pinnedMinerKey = stored?.minerId === shape.receipt.miner_id && stored.minerKey !== null ? stored.minerKey : miner?.publicKey;
    const verdict = verifyReceipt(receipt, { miner: pinnedMinerKey ? keyOrUndefined(pinnedMinerKey) : undefined, coordinator: this.publicKey }, job ? { maxPriceMicro: job.maxPriceMicro } : undefined);
    const checks = [...verdict.checks];
    if (!pinnedMinerKey) checks.push({ name: 'miner_signature', ok: false, detail: `miner ${shape.receipt.miner_id} is not registered here, so its key cannot be pinned` });
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
    if (outcome.kind === 'held') throw heldReceipt(receiptId, outcome.acceptUntil, outcome.dispute);
    return { receiptId, minerId: stored.minerId, amountMicro: outcome.amountMicro, claimedAt: outcome.claimedAt, settled: outcome.settled };
  }
}

/** Why a receipt's earnings cannot be claimed yet (or ever): its job's window, or its client's dispute. */
function heldReceipt(receiptId: string, acceptUntil: number, dispute: DisputeState | null): ApiError {
  if (dispute === 'upheld') return new ApiError('JOB_INVALID_STATUS', `Receipt ${receiptId}'s job was disputed by its client and the dispute upheld: its price went back to the client, there is nothing to claim`);
  if (dispute === 'open') return new ApiError('JOB_INVALID_STATUS', `Receipt ${receiptId}'s job is disputed by its client: its earnings stay held until the re-execution decides the dispute`);
  return new ApiError('JOB_INVALID_STATUS', `Receipt ${receiptId}'s job is inside its acceptance window until ${new Date(acceptUntil).toISOString()}: its client may dispute it until then; claim it after`);
}

/** A stored key that does not decode (one taken from an old receipt's key_id) pins nothing: the check fails. */
function keyOrUndefined(text: string): Uint8Array | undefined {
  try {
    return parsePublicKey(text);
  } catch {
    return undefined;
  }
}
