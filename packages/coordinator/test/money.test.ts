// Money as clients and miners see it: escrow on submit, payout and refund on every ending,
// co-signed receipts that verify with pinned keys, one claim per receipt, and a ledger whose
// audit balances after everything (and notices when it does not).

import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, parsePublicKey, signReceipt, verifyReceiptSignature } from '@aitbc/protocol';
import { ManualClock } from '@aitbc/testkit';
import { startTestCoordinator, submitBody, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';

let coordinator: TestCoordinator;
let clock: ManualClock;
let client: string;
let miner: TestMiner;

beforeEach(async () => {
  clock = new ManualClock();
  coordinator = await startTestCoordinator({ now: clock.now });
  client = await coordinator.createClient('alice', '10');
  miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'gpu-box-1', { 'llama3.2': '0.002' }, 4);
  await miner.register();
});

afterEach(async () => {
  await coordinator.assertLedger();
  await coordinator.close();
});

const account = async () => (await coordinator.request('GET', '/v1/account', { key: client })).body;
const earnings = async () => (await coordinator.request('GET', '/v1/miners/gpu-box-1/earnings', { key: miner.apiKey })).body;

async function submit(extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody(extra) });
  assert.equal(answer.status, 201, answer.text);
  return answer.body.job_id;
}

describe('escrow, payout and refunds', () => {
  test('submit escrows max_price; completion pays the price and returns the rest', async () => {
    const jobId = await submit({ max_price: '2.5' });
    assert.deepEqual(await account(), { account: 'alice', available: '7.5', escrowed: '2.5', withdrawing: '0', disputable: '0' });
    const poll = await miner.poll(0);
    const done = await miner.complete(jobId, miner.completion(poll.body, 'out', { prompt_tokens: 100, completion_tokens: 23 }, clock.now()));
    assert.equal(done.body.price, '0.246');
    assert.deepEqual(await account(), { account: 'alice', available: '9.754', escrowed: '0', withdrawing: '0', disputable: '0' });
    assert.deepEqual(await earnings(), { miner_id: 'gpu-box-1', held: '0', earned: '0.246', claimed: '0', unclaimed_receipts: 1, settled: '0' });
  });

  test('a price above max_price is capped at max_price', async () => {
    const jobId = await submit({ max_price: '0.01', params: { max_tokens: 5 } });
    const poll = await miner.poll(0);
    const done = await miner.complete(jobId, miner.completion(poll.body, 'long output', { prompt_tokens: 1000, completion_tokens: 1000 }, clock.now()));
    assert.equal(done.body.price, '0.01');
    assert.deepEqual(await account(), { account: 'alice', available: '9.99', escrowed: '0', withdrawing: '0', disputable: '0' });
  });

  test('cancel, expiry, a final failure and lease exhaustion each refund the whole escrow', async () => {
    const cancelled = await submit({ max_price: '1' });
    await coordinator.request('POST', `/v1/jobs/${cancelled}/cancel`, { key: client });
    assert.deepEqual(await account(), { account: 'alice', available: '10', escrowed: '0', withdrawing: '0', disputable: '0' });

    await submit({ max_price: '1', ttl_seconds: 10 });
    clock.advance(10_000);
    await coordinator.services.sweeper.sweepOnce();
    assert.deepEqual(await account(), { account: 'alice', available: '10', escrowed: '0', withdrawing: '0', disputable: '0' });

    const failed = await submit({ max_price: '1' });
    await miner.poll(0);
    await miner.fail(failed, 'model missing', false);
    assert.deepEqual(await account(), { account: 'alice', available: '10', escrowed: '0', withdrawing: '0', disputable: '0' });

    const lapsed = await submit({ max_price: '1' });
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.equal((await miner.poll(0)).body.job_id, lapsed);
      clock.advance(60_001);
      await coordinator.services.sweeper.sweepOnce();
    }
    assert.equal((await coordinator.request('GET', `/v1/jobs/${lapsed}`, { key: client })).body.status, 'failed');
    assert.deepEqual(await account(), { account: 'alice', available: '10', escrowed: '0', withdrawing: '0', disputable: '0' });
  });

  test('concurrent submits never overspend: exactly as many jobs as the balance covers', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody({ max_price: '0.5' }) })));
    assert.equal(answers.filter((a) => a.status === 201).length, 20);
    assert.deepEqual(new Set(answers.filter((a) => a.status !== 201).map((a) => a.body.error_code)), new Set(['PAYMENT_INSUFFICIENT_BALANCE']));
    assert.deepEqual(await account(), { account: 'alice', available: '0', escrowed: '10', withdrawing: '0', disputable: '0' });
  });

  test('an idempotent retry escrows once', async () => {
    const headers = { 'idempotency-key': 'pay-once' };
    await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody({ max_price: '3' }), headers });
    await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody({ max_price: '3' }), headers });
    assert.deepEqual(await account(), { account: 'alice', available: '7', escrowed: '3', withdrawing: '0', disputable: '0' });
  });

  test('credit validates the amount', async () => {
    const bad = await coordinator.credit('alice', '-1');
    assert.equal(bad.body.error_code, 'VALIDATION_INVALID_FORMAT');
    assert.equal(bad.body.field, 'amount');
    const zero = await coordinator.credit('alice', '0');
    assert.equal(zero.body.error_code, 'VALIDATION_OUT_OF_RANGE');
    assert.equal((await coordinator.credit('alice', '0.000001')).body.available, '10.000001');
  });
});

describe('co-signed receipts', () => {
  async function completed() {
    const jobId = await submit();
    const poll = await miner.poll(0);
    const done = await miner.complete(jobId, miner.completion(poll.body, 'out', undefined, clock.now()));
    assert.equal(done.status, 200, done.text);
    return done.body.receipt;
  }

  test('the coordinator co-signs with the key it publishes, over the bytes the miner signed', async () => {
    const receipt = await completed();
    assert.deepEqual(receipt.signatures.map((s: any) => s.role), ['miner', 'coordinator']);
    const published = (await coordinator.request('GET', '/v1/coordinator')).body;
    assert.equal(published.chain_id, 'aitbc-devnet');
    assert.ok(verifyReceiptSignature(receipt, 'coordinator', parsePublicKey(published.public_key)));
    assert.ok(verifyReceiptSignature(receipt, 'miner', parsePublicKey(miner.publicKey)));
    assert.deepEqual((await coordinator.request('GET', `/v1/receipts/${receipt.receipt_id}`)).body, receipt);
  });

  test('verify runs every check with pinned keys and names what failed', async () => {
    const receipt = await completed();
    const good = await coordinator.request('POST', '/v1/receipts/verify', { body: { receipt } });
    assert.equal(good.body.valid, true, good.text);
    assert.deepEqual(good.body.checks.map((c: any) => c.name), ['shape', 'receipt_id', 'miner_signature', 'coordinator_signature', 'price_cap', 'price', 'times']);

    const inflated = await coordinator.request('POST', '/v1/receipts/verify', { body: { receipt: { ...receipt, price: '2' } } });
    assert.equal(inflated.body.valid, false);
    const failing = inflated.body.checks.filter((c: any) => !c.ok).map((c: any) => c.name);
    assert.ok(failing.includes('receipt_id') && failing.includes('miner_signature') && failing.includes('coordinator_signature') && failing.includes('price'), failing.join());

    // A receipt whose signature carries another key's id is still checked against the pinned key.
    const { signatures, ...unsigned } = receipt;
    const impostorSignature = signReceipt(unsigned, 'miner', generateKeyPair().secretKey).signatures[0]!;
    const forged = { ...receipt, signatures: [{ ...impostorSignature, key_id: signatures[0].key_id }, signatures[1]] };
    const verdict = await coordinator.request('POST', '/v1/receipts/verify', { body: { receipt: forged } });
    assert.equal(verdict.body.valid, false);

    const garbage = await coordinator.request('POST', '/v1/receipts/verify', { body: { receipt: { units: 'many' } } });
    assert.equal(garbage.status, 200);
    assert.equal(garbage.body.valid, false);
  });

  test('a claim moves the earnings to pending settlement, once', async () => {
    const receipt = await completed();
    const claim = await coordinator.request('POST', `/v1/receipts/${receipt.receipt_id}/claim`, { key: miner.apiKey });
    assert.equal(claim.status, 200, claim.text);
    assert.deepEqual({ ...claim.body, claimed_at: undefined }, { receipt_id: receipt.receipt_id, miner_id: 'gpu-box-1', amount: '0.024', claimed_at: undefined, settlement: 'pending' });
    assert.deepEqual(await earnings(), { miner_id: 'gpu-box-1', held: '0', earned: '0', claimed: '0.024', unclaimed_receipts: 0, settled: '0' });
    const claims = await Promise.all(Array.from({ length: 5 }, () => coordinator.request('POST', `/v1/receipts/${receipt.receipt_id}/claim`, { key: miner.apiKey })));
    assert.deepEqual(new Set(claims.map((c) => c.body.error_code)), new Set(['RECEIPT_ALREADY_CLAIMED']));
    assert.equal((await earnings()).claimed, '0.024');
  });
});

describe('the ledger', () => {
  test('is append-only', async () => {
    await submit();
    assert.throws(() => coordinator.sqlite.db.prepare('UPDATE ledger SET amount = amount * 2').run(), /append-only/);
    assert.throws(() => coordinator.sqlite.db.prepare('DELETE FROM ledger').run(), /append-only/);
  });

  test('the audit notices money created outside the ledger, and says where', async () => {
    await submit();
    // One µAIT appears from nowhere.
    coordinator.sqlite.db.prepare("UPDATE accounts SET available = available + 1 WHERE account = 'alice'").run();
    const audit = await coordinator.store.auditLedger();
    assert.equal(audit.ok, false);
    assert.ok(audit.problems.some((p) => /available:alice holds 7\.500001 AITBC but the ledger says 7\.5 AITBC/.test(p)), audit.problems.join('\n'));
    assert.ok(audit.problems.some((p) => /money was created or lost/.test(p)));
    coordinator.sqlite.db.prepare("UPDATE accounts SET available = available - 1 WHERE account = 'alice'").run();
  });

  test('the admin view of the audit', async () => {
    const jobId = await submit();
    const poll = await miner.poll(0);
    await miner.complete(jobId, miner.completion(poll.body, 'out', undefined, clock.now()));
    const audit = await coordinator.request('GET', '/v1/admin/ledger', { key: 'aitbc_test_admin_key' });
    assert.deepEqual(audit.body, { ok: true, problems: [], jobs: 1, totals: { credited: '10', available: '9.976', escrowed: '0', held: '0', earned: '0.024', claimed: '0', withdrawing: '0' } });
  });
});
