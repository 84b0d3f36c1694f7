// The money rules: each movement's legs, written out by hand, sum to zero and land in the buckets
// the README's books name; amounts that would run a movement backwards are refused before any
// engine sees them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_AMOUNT_MICRO } from '@aitbc/protocol';
import { parseBucket } from './buckets.ts';
import * as movements from './movements.ts';
import type { Movement } from './movements.ts';

const job = { jobId: 'job-1', account: 'alice', maxPriceMicro: 1_000_000n };
const receipt = { receiptId: 'rcpt-1', jobId: 'job-1', minerId: 'miner-1', priceMicro: 400_000n };

/** Every movement, as the coordinator makes them, beside the legs it must have. */
const cases: { movement: Movement; kind: string; legs: [string, bigint][]; jobId: string | null; receiptId: string | null }[] = [
  { movement: movements.credit('alice', 5_000_000n), kind: 'credit', legs: [['external', -5_000_000n], ['available:alice', 5_000_000n]], jobId: null, receiptId: null },
  { movement: movements.deposit('alice', 7n), kind: 'deposit', legs: [['external', -7n], ['available:alice', 7n]], jobId: null, receiptId: null },
  { movement: movements.escrow(job), kind: 'escrow', legs: [['available:alice', -1_000_000n], ['escrowed:alice', 1_000_000n]], jobId: 'job-1', receiptId: null },
  {
    movement: movements.payout(job, receipt),
    kind: 'payout',
    legs: [['escrowed:alice', -1_000_000n], ['held:miner-1', 400_000n], ['available:alice', 600_000n]],
    jobId: 'job-1',
    receiptId: 'rcpt-1',
  },
  { movement: movements.release(receipt), kind: 'release', legs: [['held:miner-1', -400_000n], ['earned:miner-1', 400_000n]], jobId: 'job-1', receiptId: 'rcpt-1' },
  {
    movement: movements.disputeRefund({ ...receipt, account: 'alice' }),
    kind: 'dispute_refund',
    legs: [['held:miner-1', -400_000n], ['available:alice', 400_000n]],
    jobId: 'job-1',
    receiptId: 'rcpt-1',
  },
  { movement: movements.refund(job), kind: 'refund', legs: [['escrowed:alice', -1_000_000n], ['available:alice', 1_000_000n]], jobId: 'job-1', receiptId: null },
  { movement: movements.claim(receipt), kind: 'claim', legs: [['earned:miner-1', -400_000n], ['claimed:miner-1', 400_000n]], jobId: 'job-1', receiptId: 'rcpt-1' },
  { movement: movements.settle({ ...receipt, claimed: false }), kind: 'settle', legs: [['earned:miner-1', -400_000n], ['external', 400_000n]], jobId: 'job-1', receiptId: 'rcpt-1' },
  { movement: movements.settle({ ...receipt, claimed: true }), kind: 'settle', legs: [['claimed:miner-1', -400_000n], ['external', 400_000n]], jobId: 'job-1', receiptId: 'rcpt-1' },
  { movement: movements.withdraw('alice', 3n), kind: 'withdraw', legs: [['available:alice', -3n], ['withdrawing:alice', 3n]], jobId: null, receiptId: null },
  { movement: movements.withdrawn('alice', 3n), kind: 'withdrawn', legs: [['withdrawing:alice', -3n], ['external', 3n]], jobId: null, receiptId: null },
  { movement: movements.withdrawRefund('alice', 3n), kind: 'withdraw_refund', legs: [['withdrawing:alice', -3n], ['available:alice', 3n]], jobId: null, receiptId: null },
  { movement: movements.slashCredit('alice', 9n, 'rcpt-1'), kind: 'slash_credit', legs: [['external', -9n], ['available:alice', 9n]], jobId: null, receiptId: 'rcpt-1' },
];

test('every movement sums to zero and moves money between the buckets it names', () => {
  for (const { movement, kind, legs, jobId, receiptId } of cases) {
    assert.equal(movement.kind, kind);
    assert.deepEqual(movement.legs.map((leg) => [leg.bucket, leg.amount]), legs, kind);
    assert.equal(movement.legs.reduce((sum, leg) => sum + leg.amount, 0n), 0n, `${kind} sums to zero`);
    assert.deepEqual([movement.jobId, movement.receiptId], [jobId, receiptId], `${kind} names its job and receipt`);
    for (const leg of movement.legs) assert.doesNotThrow(() => parseBucket(leg.bucket), `${kind}: an engine can find the balance of ${leg.bucket}`);
  }
  assert.deepEqual(new Set(cases.map((c) => c.kind)), new Set(movements.MOVEMENT_KINDS), 'every kind of movement is covered');
});

test('a payout at the full max price returns nothing, and writes no zero leg', () => {
  const full = movements.payout(job, { ...receipt, priceMicro: job.maxPriceMicro });
  assert.deepEqual(full.legs.map((leg) => [leg.bucket, leg.amount]), [['escrowed:alice', -1_000_000n], ['held:miner-1', 1_000_000n]]);
  assert.deepEqual(movements.escrow({ ...job, maxPriceMicro: 0n }).legs, [], 'a free job moves nothing');
});

test('legs that do not sum to zero are no movement', () => {
  assert.throws(() => movements.movement('credit', [{ bucket: 'external', amount: -5n }, { bucket: 'available:alice', amount: 6n }]), /unbalanced credit movement: legs sum to 1/);
  assert.equal(movements.movement('credit', [{ bucket: 'external', amount: -5n }, { bucket: 'available:alice', amount: 5n }]).legs.length, 2);
});

test('a payout beyond the escrow, or any negative amount, is refused before it reaches the books', () => {
  assert.throws(() => movements.payout(job, { ...receipt, priceMicro: job.maxPriceMicro + 1n }), RangeError, 'a miner paid more than the client set aside');
  assert.throws(() => movements.payout(job, { ...receipt, priceMicro: -1n }), RangeError, 'a miner paying the client');
  assert.throws(() => movements.credit('alice', -5n), RangeError);
  assert.throws(() => movements.deposit('alice', -5n), RangeError);
  assert.throws(() => movements.escrow({ ...job, maxPriceMicro: -1n }), RangeError);
  assert.throws(() => movements.refund({ ...job, maxPriceMicro: -1n }), RangeError);
  assert.throws(() => movements.claim({ ...receipt, priceMicro: -1n }), RangeError);
  assert.throws(() => movements.release({ ...receipt, priceMicro: -1n }), RangeError);
  assert.throws(() => movements.disputeRefund({ ...receipt, account: 'alice', priceMicro: -1n }), RangeError);
  assert.throws(() => movements.settle({ ...receipt, priceMicro: -1n, claimed: false }), RangeError);
  assert.throws(() => movements.withdraw('alice', -1n), RangeError);
  assert.throws(() => movements.withdrawn('alice', -1n), RangeError);
  assert.throws(() => movements.withdrawRefund('alice', -1n), RangeError);
});

test('money comes in only while the books stay within the amount bound', () => {
  assert.equal(movements.admitsIncoming(MAX_AMOUNT_MICRO - 10n, 10n), true);
  assert.equal(movements.admitsIncoming(MAX_AMOUNT_MICRO - 10n, 11n), false);
  assert.equal(movements.admitsIncoming(0n, MAX_AMOUNT_MICRO + 1n), false);
});

test('buckets name their owner; ids may hold colons; an unknown bucket is an error', () => {
  assert.equal(parseBucket('external'), null);
  assert.deepEqual(parseBucket('withdrawing:org:team'), { owner: 'account', kind: 'withdrawing', id: 'org:team' });
  assert.deepEqual(parseBucket('claimed:miner-1'), { owner: 'miner', kind: 'claimed', id: 'miner-1' });
  assert.throws(() => parseBucket('stolen:alice'), /unknown ledger bucket stolen:alice/);
  assert.throws(() => parseBucket('available'), /unknown ledger bucket/);
});
