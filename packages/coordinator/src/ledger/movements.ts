// The money rules: each movement of the double-entry ledger as a pure function returning its legs
// (bigint µAIT, summing to zero). Engines only write the legs they are given and keep their
// balance columns in step (src/store/sqlite/ledger.ts); a new movement is written once, here.

import { MAX_AMOUNT_MICRO } from '@aitbc/protocol';
import { bucket } from './buckets.ts';

export const MOVEMENT_KINDS = ['credit', 'deposit', 'escrow', 'payout', 'refund', 'claim', 'settle', 'withdraw', 'withdrawn', 'withdraw_refund', 'release', 'dispute_refund', 'slash_credit'] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

export interface Leg {
  bucket: string;
  amount: bigint;
}

declare const balanced: unique symbol;

/**
 * One movement: its legs (never a zero one) sum to zero; the job and receipt it belongs to, if
 * any. Only `movement` makes one (the brand), so an engine cannot be handed legs that skipped
 * the check.
 */
export type Movement = MovementParts & { readonly [balanced]: true };

interface MovementParts {
  kind: MovementKind;
  legs: readonly Leg[];
  jobId: string | null;
  receiptId: string | null;
}

/** What a job movement needs of the job. */
export interface EscrowedJob {
  jobId: string;
  account: string;
  maxPriceMicro: bigint;
}

/** What an earnings movement needs of the receipt. */
export interface EarningReceipt {
  receiptId: string;
  jobId: string;
  minerId: string;
  priceMicro: bigint;
}

/** Checks a movement's legs; every builder below goes through here, and so must any new one. */
export function movement(kind: MovementKind, legs: Leg[], refs: { jobId?: string; receiptId?: string } = {}): Movement {
  const total = legs.reduce((sum, leg) => sum + leg.amount, 0n);
  if (total !== 0n) throw new Error(`unbalanced ${kind} movement: legs sum to ${total}`);
  // A zero leg moves nothing (a payout at the full max price returns nothing to the client).
  return { kind, legs: legs.filter((leg) => leg.amount !== 0n), jobId: refs.jobId ?? null, receiptId: refs.receiptId ?? null } as MovementParts as Movement;
}

/** A negative amount would run the movement backwards; 0 moves nothing and writes no leg. */
function notNegative(name: string, amountMicro: bigint): bigint {
  if (amountMicro < 0n) throw new RangeError(`${name} of ${amountMicro} µAIT: an amount is never negative`);
  return amountMicro;
}

/** Money may come into the books only while all they hold stays within MAX_AMOUNT_MICRO, so no balance or sum can overflow. */
export const admitsIncoming = (heldMicro: bigint, amountMicro: bigint): boolean => heldMicro + amountMicro <= MAX_AMOUNT_MICRO;

/** An admin credit: from outside the books to the account's available balance. */
export const credit = (account: string, amountMicro: bigint): Movement =>
  movement('credit', [
    { bucket: bucket.external, amount: -notNegative('credit', amountMicro) },
    { bucket: bucket.available(account), amount: amountMicro },
  ]);

/** A chain deposit matched to an account by its memo. */
export const deposit = (account: string, amountMicro: bigint): Movement =>
  movement('deposit', [
    { bucket: bucket.external, amount: -notNegative('deposit', amountMicro) },
    { bucket: bucket.available(account), amount: amountMicro },
  ]);

/** A submitted job sets its max price aside. */
export const escrow = (job: EscrowedJob): Movement =>
  movement('escrow', [
    { bucket: bucket.available(job.account), amount: -notNegative('escrow', job.maxPriceMicro) },
    { bucket: bucket.escrowed(job.account), amount: job.maxPriceMicro },
  ], { jobId: job.jobId });

/**
 * A completed job: the miner earns the receipt's price, held through the job's acceptance window
 * (see `release`, `disputeRefund`); the client gets back the rest of the escrow.
 */
export function payout(job: EscrowedJob, receipt: Omit<EarningReceipt, 'jobId'>): Movement {
  if (receipt.priceMicro < 0n || receipt.priceMicro > job.maxPriceMicro) {
    throw new RangeError(`payout of ${receipt.priceMicro} µAIT for job ${job.jobId} is outside its escrow of ${job.maxPriceMicro} µAIT`);
  }
  return movement('payout', [
    { bucket: bucket.escrowed(job.account), amount: -job.maxPriceMicro },
    { bucket: bucket.held(receipt.minerId), amount: receipt.priceMicro },
    { bucket: bucket.available(job.account), amount: job.maxPriceMicro - receipt.priceMicro },
  ], { jobId: job.jobId, receiptId: receipt.receiptId });
}

/** The job's acceptance window ended undisputed (or its dispute went the miner's way): the miner may claim and settle its earnings. */
export const release = (receipt: EarningReceipt): Movement =>
  movement('release', [
    { bucket: bucket.held(receipt.minerId), amount: -notNegative('release', receipt.priceMicro) },
    { bucket: bucket.earned(receipt.minerId), amount: receipt.priceMicro },
  ], { jobId: receipt.jobId, receiptId: receipt.receiptId });

/** A dispute upheld (the miner's run was found wrong): the price goes back from the miner's held earnings to the client. */
export const disputeRefund = (receipt: EarningReceipt & { account: string }): Movement =>
  movement('dispute_refund', [
    { bucket: bucket.held(receipt.minerId), amount: -notNegative('dispute refund', receipt.priceMicro) },
    { bucket: bucket.available(receipt.account), amount: receipt.priceMicro },
  ], { jobId: receipt.jobId, receiptId: receipt.receiptId });

/** A job that ended without a result (failed, cancelled, expired) gives its whole escrow back. */
export const refund = (job: EscrowedJob): Movement =>
  movement('refund', [
    { bucket: bucket.escrowed(job.account), amount: -notNegative('refund', job.maxPriceMicro) },
    { bucket: bucket.available(job.account), amount: job.maxPriceMicro },
  ], { jobId: job.jobId });

/** A miner claims a receipt off chain: its earnings move to claimed. */
export const claim = (receipt: EarningReceipt): Movement =>
  movement('claim', [
    { bucket: bucket.earned(receipt.minerId), amount: -notNegative('claim', receipt.priceMicro) },
    { bucket: bucket.claimed(receipt.minerId), amount: receipt.priceMicro },
  ], { jobId: receipt.jobId, receiptId: receipt.receiptId });

/** A receipt paid on chain to the miner: its earnings (claimed or not) leave the books. */
export const settle = (receipt: EarningReceipt & { claimed: boolean }): Movement =>
  movement('settle', [
    { bucket: receipt.claimed ? bucket.claimed(receipt.minerId) : bucket.earned(receipt.minerId), amount: -notNegative('settlement', receipt.priceMicro) },
    { bucket: bucket.external, amount: receipt.priceMicro },
  ], { jobId: receipt.jobId, receiptId: receipt.receiptId });

/** Asked to withdraw: the amount is set aside until the transfer is final or fails. */
export const withdraw = (account: string, amountMicro: bigint): Movement =>
  movement('withdraw', [
    { bucket: bucket.available(account), amount: -notNegative('withdrawal', amountMicro) },
    { bucket: bucket.withdrawing(account), amount: amountMicro },
  ]);

/** The withdrawal's transfer is final: the money has left the books. */
export const withdrawn = (account: string, amountMicro: bigint): Movement =>
  movement('withdrawn', [
    { bucket: bucket.withdrawing(account), amount: -notNegative('withdrawal', amountMicro) },
    { bucket: bucket.external, amount: amountMicro },
  ]);

/** The withdrawal's transfer failed for good: the amount is available again. */
export const withdrawRefund = (account: string, amountMicro: bigint): Movement =>
  movement('withdraw_refund', [
    { bucket: bucket.withdrawing(account), amount: -notNegative('withdrawal', amountMicro) },
    { bucket: bucket.available(account), amount: amountMicro },
  ]);

/**
 * A slash of a cheating miner is final: its payout to the clearing address (which came in from
 * outside the books, on chain) is credited to the harmed client, who paid for the wrong run.
 */
export const slashCredit = (account: string, amountMicro: bigint, receiptId: string): Movement =>
  movement('slash_credit', [
    { bucket: bucket.external, amount: -notNegative('slash credit', amountMicro) },
    { bucket: bucket.available(account), amount: amountMicro },
  ], { receiptId });
