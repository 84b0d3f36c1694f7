// The coordinator on a real chain node: deposits credited once (also across a restart), deposits
// with no account kept for an operator, receipts settled in batches paying miners on chain,
// duplicates and refusals, the node going away and coming back, withdrawals. After each: the
// clearing address holds exactly what the books say, and the ledger audit passes.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, formatAmount, generateKeyPair, parseAmount, type KeyPair } from '@aitbc/protocol';
import { loadOrCreateKeyFile } from '@aitbc/protocol/node';
import { signTx } from '@aitbc/chain';
import { startCoordinator } from '../src/server.ts';
import { ADMIN_KEY, TestMiner, startTestCoordinator, submitBody, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { httpClient, type RequestFn } from '@aitbc/testkit';
import { startTestChain, type TestChain } from '@aitbc/testkit/chain';
import { until } from '@aitbc/testkit';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const wallet = generateKeyPair();
const walletAddress = addressFromPublicKey(wallet.publicKey);

interface World {
  chain: TestChain;
  coordinator: TestCoordinator;
  key: KeyPair;
  clearing: string;
}

async function world(config: Record<string, unknown> = {}): Promise<World> {
  const key = generateKeyPair();
  const chain = await startTestChain({ coordinator: key, allocations: [{ address: walletAddress, amount: '1000' }] });
  const coordinator = await startTestCoordinator({ chainUrl: chain.url, coordinatorSecretKey: key.secretKey, chainPollMs: 50, settleWaitMs: 0, ...config });
  cleanups.push(async () => {
    await coordinator.close();
    await chain.close();
  });
  return { chain, coordinator, key, clearing: addressFromPublicKey(key.publicKey) };
}

const admin = (request: RequestFn) => request('GET', '/v1/admin/chain', { key: ADMIN_KEY }).then((answer) => answer.body);

/** The clearing address holds exactly the books: client money, unsettled earnings, pending withdrawals and unmatched deposits, minus admin credits (never on chain). */
async function assertInvariant({ chain, coordinator, clearing }: World): Promise<void> {
  // Wait until nothing is in flight and every final block was read.
  await until(async () => {
    const view = await admin(coordinator.request);
    return view.outbox.every((row: { state: string }) => row.state === 'failed' || row.state === 'duplicate') && view.deposit_cursor > chain.node.finalized().height && view;
  }, 'the outbox to drain and deposits to be read');
  const audit = await coordinator.store.auditLedger();
  const view = await admin(coordinator.request);
  const books = audit.totals.available + audit.totals.escrowed + audit.totals.held + audit.totals.earned + audit.totals.claimed + audit.totals.withdrawing + parseAmount(view.books.unmatched_deposits) - parseAmount(view.books.admin_credits);
  assert.equal(formatAmount(chain.balance(clearing)), formatAmount(books), 'clearing balance = available + escrowed + unsettled earnings + pending withdrawals + unmatched deposits');
  assert.equal(view.on_chain_balance, formatAmount(chain.balance(clearing)));
  await coordinator.assertLedger();
}

async function deposit(w: World, amount: string, memo?: string): Promise<string> {
  return w.chain.transfer(wallet, w.clearing, amount, memo);
}

/** A client key for `account` (the account exists once a key spends from it) funded by a deposit. */
async function fundedClient(w: World, account: string, amount: string): Promise<string> {
  const key = await w.coordinator.createKey(['client'], { account });
  await deposit(w, amount, account);
  await until(async () => (await w.coordinator.request('GET', '/v1/account', { key })).body.available === amount, `${account} to be credited`);
  return key;
}

async function runJobs(w: World, clientKey: string, miner: TestMiner, count: number): Promise<{ receiptId: string; price: string }[]> {
  const done: { receiptId: string; price: string }[] = [];
  for (let i = 0; i < count; i++) {
    const submitted = await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody() });
    assert.equal(submitted.status, 201, submitted.text);
    const claim = await miner.poll();
    assert.equal(claim.status, 200, claim.text);
    const completed = await miner.complete(claim.body.job_id, miner.completion(claim.body));
    assert.equal(completed.status, 200, completed.text);
    done.push({ receiptId: completed.body.receipt.receipt_id, price: completed.body.price });
  }
  return done;
}

async function registeredMiner(w: World, minerId = 'gpu-1'): Promise<TestMiner> {
  const miner = new TestMiner(w.coordinator, await w.coordinator.createKey(['miner']), minerId);
  assert.equal((await miner.register()).status, 201);
  return miner;
}

test('a deposit with memo = account is credited once; one naming no account is kept for an operator', async () => {
  const w = await world();
  const health = await w.coordinator.request('GET', '/v1/health');
  assert.equal(health.body.chain, 'ok');
  assert.equal((await w.coordinator.request('GET', '/v1/coordinator')).body.clearing_address, w.clearing);

  const key = await fundedClient(w, 'alice', '100');
  const unknown = await deposit(w, '7', 'nobody-has-this-account');
  const absent = await deposit(w, '3');
  const view = await until(async () => {
    const current = await admin(w.coordinator.request);
    return current.unmatched_deposits.length === 2 && current;
  }, 'the unmatched deposits');
  assert.deepEqual(view.unmatched_deposits.map((d: { tx_hash: string; amount: string; memo: string | null }) => [d.tx_hash, d.amount, d.memo]).sort(), [[unknown, '7', 'nobody-has-this-account'], [absent, '3', null]].sort());
  assert.equal(view.books.unmatched_deposits, '10');
  await assertInvariant(w);
  assert.equal((await w.coordinator.request('GET', '/v1/account', { key })).body.available, '100', 'credited exactly once');
});

test("the operator's view reads the clearing balance at the last final block the books have read: a newer deposit shows on neither side", async () => {
  // The start's pass reads the final blocks; with an hour between passes, nothing reads the deposit below.
  const w = await world({ chainPollMs: 3_600_000 });
  const before = await admin(w.coordinator.request);
  const hash = await deposit(w, '5', 'nobody-has-this-account');
  await until(async () => ((await (await fetch(`${w.chain.url}/rpc/txs/${hash}`)).json()) as { final: boolean }).final, 'the deposit to be final');
  assert.equal(formatAmount(w.chain.balance(w.clearing)), '5', 'the chain holds the deposit');

  const view = await admin(w.coordinator.request);
  assert.equal(view.deposit_cursor, before.deposit_cursor, 'the books have not read it');
  assert.equal(view.on_chain_height, Math.max(view.deposit_cursor - 1, 0));
  assert.equal(view.on_chain_balance, '0');
  assert.equal(view.books.total, '0');
  assert.equal(view.difference, '0', 'not an alarm the operator must look into');
});

test('deposits are credited exactly once across coordinator restarts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-chain-restart-'));
  const keyFile = join(dir, 'coordinator-key.json');
  const key = loadOrCreateKeyFile(keyFile);
  const clearing = addressFromPublicKey(key.publicKey);
  const chain = await startTestChain({ coordinator: key, allocations: [{ address: walletAddress, amount: '1000' }] });
  cleanups.push(async () => {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = () => startCoordinator({ port: 0, host: '127.0.0.1', database: { engine: 'sqlite', path: join(dir, 'coordinator.db') }, keyFile, config: { adminKey: ADMIN_KEY, chainUrl: chain.url, chainPollMs: 50 } });

  let running = await start();
  let request = httpClient(running.url);
  const created = await request('POST', '/v1/admin/keys', { key: ADMIN_KEY, body: { scopes: ['client'], account: 'bob' } });
  const clientKey = created.body.key as string;
  chain.transfer(wallet, clearing, '5', 'bob');
  await until(async () => (await request('GET', '/v1/account', { key: clientKey })).body.available === '5', 'the first deposit');
  await running.close();

  // While the coordinator is away: another deposit. On restart it is read once, the first not again.
  chain.transfer(wallet, clearing, '2', 'bob');
  await until(() => chain.node.pending().length === 0, 'the deposit to be in a block');
  for (let restart = 0; restart < 2; restart++) {
    running = await start();
    request = httpClient(running.url);
    await until(async () => (await request('GET', '/v1/admin/chain', { key: ADMIN_KEY })).body.deposit_cursor > chain.node.finalized().height, 'the watcher to catch up');
    assert.equal((await request('GET', '/v1/account', { key: clientKey })).body.available, '7');
    await running.close();
  }
  assert.equal(formatAmount(chain.balance(clearing)), '7');
});

test('completed receipts settle on chain in one batch: the miner is paid exactly their prices', async () => {
  const w = await world({ settleBatchMax: 3, settleWaitMs: 3_600_000 });
  const clientKey = await fundedClient(w, 'carol', '50');
  const miner = await registeredMiner(w);
  const payout = addressFromPublicKey(miner.keys.publicKey);

  const [first] = await runJobs(w, clientKey, miner, 1);
  const early = await w.coordinator.request('POST', `/v1/receipts/${first!.receiptId}/claim`, { key: miner.apiKey });
  assert.equal(early.body.settlement, 'pending', 'not settled yet: the batch waits for 3 receipts');
  assert.equal(typeof (await admin(w.coordinator.request)).oldest_unsettled_at, 'string', 'the operator sees when the settlement lag started');
  const rest = await runJobs(w, clientKey, miner, 2);
  const receipts = [first!, ...rest];
  const total = receipts.reduce((sum, r) => sum + parseAmount(r.price), 0n);

  for (const { receiptId } of receipts) {
    await until(async () => (await fetch(`${w.chain.url}/rpc/receipts/${receiptId}`)).status === 200, `receipt ${receiptId} in a block`);
  }
  const heights = await Promise.all(receipts.map(async ({ receiptId }) => ((await (await fetch(`${w.chain.url}/rpc/receipts/${receiptId}`)).json()) as { block_height: number }).block_height));
  assert.equal(new Set(heights).size, 1, 'one settle transaction, one block');
  assert.equal(w.chain.balance(payout), total, "the miner's on-chain balance rose by exactly the sum of prices");

  await until(async () => (await w.coordinator.request('GET', `/v1/miners/gpu-1/earnings`, { key: miner.apiKey })).body.settled === formatAmount(total), 'the books to see the settlement');
  const late = await w.coordinator.request('POST', `/v1/receipts/${rest[0]!.receiptId}/claim`, { key: miner.apiKey });
  assert.equal(late.body.settlement, 'settled');
  const view = await admin(w.coordinator.request);
  assert.deepEqual(view.outbox, [], 'a final batch leaves the open list');
  assert.equal(view.oldest_unsettled_at, null, 'nothing waits: no lag');
  // The web pages see the same: each receipt with its settlement block, and one final payout.
  const listed = (await w.coordinator.request('GET', '/v1/receipts', { key: miner.apiKey })).body.items as { settlement: { state: string; block_height: number } | null }[];
  assert.deepEqual(listed.map((item) => [item.settlement?.state, item.settlement?.block_height]), receipts.map(() => ['final', heights[0]]));
  const series = (await w.coordinator.request('GET', '/v1/miners/gpu-1/earnings/series', { key: miner.apiKey })).body;
  assert.deepEqual(series.payouts.map((payout: { state: string; block_height: number; amount: string; receipts: number }) => [payout.state, payout.block_height, payout.amount, payout.receipts]), [['final', heights[0], formatAmount(total), 3]]);
  await assertInvariant(w);
});

test('a receipt the chain already settled counts as settled (RECEIPT_ALREADY_CLAIMED); the rest are batched again', async () => {
  const w = await world({ settleBatchMax: 2, settleWaitMs: 3_600_000 });
  const clientKey = await fundedClient(w, 'dave', '50');
  const miner = await registeredMiner(w);
  const payout = addressFromPublicKey(miner.keys.publicKey);
  const [one] = await runJobs(w, clientKey, miner, 1);

  // Someone with the clearing key (a restored backup, another process) settles it first.
  const stored = (await w.coordinator.store.getReceipt(one!.receiptId))!;
  w.chain.node.submit(
    signTx({ type: 'settle', chain_id: 'aitbc-devnet', fee: '0', nonce: 0, miner_keys: { 'gpu-1': miner.publicKey }, receipts: [stored.receipt], payouts: [{ address: payout, amount: one!.price }] } as never, w.key.secretKey),
  );
  await until(() => w.chain.node.pending().length === 0, 'the outside settlement in a block');
  const [two] = await runJobs(w, clientKey, miner, 1);

  const duplicate = await until(async () => (await admin(w.coordinator.request)).outbox.find((row: { state: string }) => row.state === 'duplicate'), 'the batch to be refused as a duplicate');
  assert.equal(duplicate.error_code, 'RECEIPT_ALREADY_CLAIMED');
  assert.equal(duplicate.receipts, 1, 'the receipt already on chain stays with the refused batch; the other went back');
  const [three] = await runJobs(w, clientKey, miner, 1);
  for (const receipt of [two!, three!]) await until(async () => (await fetch(`${w.chain.url}/rpc/receipts/${receipt.receiptId}`)).status === 200, 'the others settled in a new batch');
  await until(async () => (await w.coordinator.request('GET', `/v1/miners/gpu-1/earnings`, { key: miner.apiKey })).body.earned === '0', 'the books to settle all three');
  assert.equal(w.chain.balance(payout), [one!, two!, three!].reduce((sum, r) => sum + parseAmount(r.price), 0n), 'each receipt paid once');
  await assertInvariant(w);
});

test('a miner that changes its key with receipts in flight: every receipt still verifies, and all settle', async () => {
  const w = await world();
  const clientKey = await fundedClient(w, 'erin', '50');
  const miner = await registeredMiner(w);
  // Nothing settles until the miner has changed its key: receipts of both keys wait together.
  await w.coordinator.services.chain!.stop();
  const underA = await runJobs(w, clientKey, miner, 2);
  const rekeyed = new TestMiner(w.coordinator, miner.apiKey, 'gpu-1');
  assert.equal((await rekeyed.register()).status, 200);
  const underB = await runJobs(w, clientKey, rekeyed, 2);

  for (const [signer, receipts] of [[miner, underA], [rekeyed, underB]] as const) {
    for (const { receiptId } of receipts) {
      const receipt = (await w.coordinator.request('GET', `/v1/receipts/${receiptId}`)).body;
      const verdict = await w.coordinator.request('POST', '/v1/receipts/verify', { body: { receipt } });
      assert.equal(verdict.body.valid, true, JSON.stringify(verdict.body.checks));
      const pinned = await w.coordinator.request('GET', `/v1/receipts/${receiptId}/miner-key`);
      assert.deepEqual(pinned.body, { receipt_id: receiptId, miner_id: 'gpu-1', public_key: signer.publicKey }, 'the key it was accepted under');
    }
  }

  await w.coordinator.services.chain!.start();
  for (const { receiptId } of [...underA, ...underB]) {
    await until(async () => (await fetch(`${w.chain.url}/rpc/receipts/${receiptId}`)).status === 200, `receipt ${receiptId} settled`);
  }
  const sum = (receipts: { price: string }[]) => receipts.reduce((total, r) => total + parseAmount(r.price), 0n);
  assert.equal(w.chain.balance(addressFromPublicKey(miner.keys.publicKey)), sum(underA), 'receipts under the old key paid to the old payout address');
  assert.equal(w.chain.balance(addressFromPublicKey(rekeyed.keys.publicKey)), sum(underB));
  await until(async () => (await w.coordinator.request('GET', '/v1/miners/gpu-1/earnings', { key: miner.apiKey })).body.earned === '0', 'the books to settle all four');
  await assertInvariant(w);
});

test('one receipt the chain refuses is set aside, visible to the operator; the rest of its batch settles; a retry pays it once', async () => {
  const w = await world({ settleBatchMax: 3, settleWaitMs: 3_600_000 });
  const clientKey = await fundedClient(w, 'fred', '50');
  const [one, two] = [await registeredMiner(w, 'gpu-1'), await registeredMiner(w, 'gpu-2')];
  const [bad] = await runJobs(w, clientKey, one, 1);
  // A receipt whose kept key is wrong, as an old receipt whose key_id lied would be.
  const rightKey = (await w.coordinator.store.getReceipt(bad!.receiptId))!.minerKey;
  const setKey = w.coordinator.sqlite.db.prepare('UPDATE receipts SET miner_key = ? WHERE receipt_id = ?');
  setKey.run(base64urlEncode(generateKeyPair().publicKey), bad!.receiptId);
  const good = await runJobs(w, clientKey, two, 2);

  const refused = await until(async () => (await admin(w.coordinator.request)).outbox.find((row: { state: string }) => row.state === 'failed'), 'the refused receipt to be set aside');
  assert.deepEqual([refused.kind, refused.error_code, refused.receipts, refused.amount], ['settle', 'PAYMENT_FAILED', 1, bad!.price]);
  assert.match(refused.error, new RegExp(`receipt ${bad!.receiptId}: the miner signature does not verify`));
  for (const { receiptId } of good) await until(async () => (await fetch(`${w.chain.url}/rpc/receipts/${receiptId}`)).status === 200, `good receipt ${receiptId} settled`);
  assert.equal(w.chain.balance(addressFromPublicKey(two.keys.publicKey)), good.reduce((total, r) => total + parseAmount(r.price), 0n), 'the others were paid');
  assert.equal(w.chain.balance(addressFromPublicKey(one.keys.publicKey)), 0n, 'the refused one not');
  await until(async () => (await w.coordinator.request('GET', '/v1/miners/gpu-2/earnings', { key: two.apiKey })).body.earned === '0', 'the books to settle the others');
  assert.equal((await w.coordinator.request('GET', '/v1/miners/gpu-1/earnings', { key: one.apiKey })).body.earned, bad!.price, 'the refused receipt is still owed');
  await assertInvariant(w);

  // The operator fixes the cause and retries: paid once, never twice.
  setKey.run(rightKey, bad!.receiptId);
  const retry = await w.coordinator.request('POST', `/v1/admin/chain/outbox/${refused.outbox_id}/retry`, { key: ADMIN_KEY });
  assert.equal(retry.status, 200, retry.text);
  await runJobs(w, clientKey, two, 2); // fills a batch of three with the retried receipt
  await until(async () => (await fetch(`${w.chain.url}/rpc/receipts/${bad!.receiptId}`)).status === 200, 'the retried receipt settled');
  assert.equal(w.chain.balance(addressFromPublicKey(one.keys.publicKey)), parseAmount(bad!.price));
  await until(async () => (await w.coordinator.request('GET', '/v1/miners/gpu-1/earnings', { key: one.apiKey })).body.earned === '0', 'nothing owed');
  await until(async () => (await admin(w.coordinator.request)).outbox.every((row: { state: string }) => row.state === 'failed'), 'the batch to be final');
  await assertInvariant(w);
});

test('a settlement refused as a whole (not one receipt) is PAYMENT_FAILED, kept visible, and its earnings stay in the books', async () => {
  // Both receipts in one batch, however slowly the machine runs the two jobs.
  const w = await world({ settleBatchMax: 2, settleWaitMs: 600_000 });
  // Admin credit only: the clearing address never received this money, so it cannot pay the miner.
  const clientKey = await w.coordinator.createClient('gail', '50');
  const miner = await registeredMiner(w);
  const jobs = await runJobs(w, clientKey, miner, 2);
  const total = jobs.reduce((sum, job) => sum + parseAmount(job.price), 0n);

  const failed = await until(async () => (await admin(w.coordinator.request)).outbox.find((row: { state: string }) => row.state === 'failed'), 'the refusal');
  assert.deepEqual([failed.kind, failed.error_code, failed.receipts, failed.amount], ['settle', 'PAYMENT_FAILED', 2, formatAmount(total)]);
  assert.match(failed.error, /balance/);
  assert.equal((await w.coordinator.request('GET', `/v1/miners/gpu-1/earnings`, { key: miner.apiKey })).body.earned, formatAmount(total), 'still owed');
  await assertInvariant(w);
});

test("the clearing address is refused as a miner's payout address", async () => {
  const w = await world();
  const clearing = (await w.coordinator.request('GET', '/v1/coordinator')).body.clearing_address;
  assert.equal(clearing, w.clearing);
  const miner = new TestMiner(w.coordinator, await w.coordinator.createKey(['miner']), 'greedy-1');
  const answer = await miner.register({ payout_address: clearing });
  assert.deepEqual([answer.status, answer.body.error_code, answer.body.field], [422, 'VALIDATION_INVALID_FORMAT', 'payout_address']);
  assert.match(answer.body.detail, /clearing address/);
});

test('with the node down, routes that need it answer 502 and nothing is lost: pending settlements go out when it is back', async () => {
  const w = await world();
  const clientKey = await fundedClient(w, 'frank', '50');
  const miner = await registeredMiner(w);
  const payout = addressFromPublicKey(miner.keys.publicKey);

  await w.chain.down();
  const refused = await w.coordinator.request('POST', '/v1/account/withdraw', { key: clientKey, body: { to: walletAddress, amount: '1' } });
  assert.equal(refused.status, 502);
  assert.equal(refused.body.error_code, 'SYSTEM_UPSTREAM_ERROR');
  assert.match(refused.body.detail, /cannot be reached.*Retry later/);
  assert.equal((await w.coordinator.request('GET', '/v1/account', { key: clientKey })).body.available, '50', 'nothing moved');
  await until(async () => (await w.coordinator.request('GET', '/v1/health')).body.chain === 'unreachable', 'health to say unreachable');

  const jobs = await runJobs(w, clientKey, miner, 2);
  const view = await until(async () => {
    const current = await admin(w.coordinator.request);
    return current.outbox.some((row: { kind: string; state: string }) => row.kind === 'settle') && current;
  }, 'the batch to wait in the outbox');
  assert.equal(view.chain, 'unreachable');
  assert.equal(view.on_chain_balance, null);
  assert.match(view.chain_problem, new RegExp(`The chain node at ${w.chain.url} cannot be reached`), 'the operator is told why');
  assert.equal(w.chain.balance(payout), 0n, 'nothing paid while the node is away');

  await w.chain.up();
  await until(async () => (await w.coordinator.request('GET', '/v1/health')).body.chain === 'ok', 'health to say ok');
  await until(() => w.chain.balance(payout) === jobs.reduce((sum, j) => sum + parseAmount(j.price), 0n), 'the miner to be paid');
  assert.equal((await admin(w.coordinator.request)).chain_problem, null);
  await assertInvariant(w);
});

test('withdrawals: validated, moved on chain once final, refunded when the chain refuses', async () => {
  const w = await world();
  const clientKey = await fundedClient(w, 'gina', '20');
  const withdraw = (body: unknown) => w.coordinator.request('POST', '/v1/account/withdraw', { key: clientKey, body });

  const badAddress = await withdraw({ to: 'ait1nope', amount: '1' });
  assert.equal(badAddress.status, 422);
  assert.deepEqual([badAddress.body.error_code, badAddress.body.field], ['VALIDATION_INVALID_FORMAT', 'to']);
  const badAmount = await withdraw({ to: walletAddress, amount: '1.0000001' });
  assert.deepEqual([badAmount.body.error_code, badAmount.body.field], ['VALIDATION_INVALID_FORMAT', 'amount']);
  const zero = await withdraw({ to: walletAddress, amount: '0' });
  assert.deepEqual([zero.body.error_code, zero.body.field], ['VALIDATION_OUT_OF_RANGE', 'amount']);
  const missing = await withdraw({ amount: '1' });
  assert.deepEqual([missing.body.error_code, missing.body.field], ['VALIDATION_MISSING_FIELD', 'to']);
  const own = await withdraw({ to: w.clearing, amount: '1' });
  assert.deepEqual([own.body.error_code, own.body.field], ['VALIDATION_INVALID_FORMAT', 'to']);
  const tooMuch = await withdraw({ to: walletAddress, amount: '20.000001' });
  assert.equal(tooMuch.status, 402);
  assert.equal(tooMuch.body.error_code, 'PAYMENT_INSUFFICIENT_BALANCE');

  const destination = addressFromPublicKey(generateKeyPair().publicKey);
  const accepted = await withdraw({ to: destination, amount: '12.5' });
  assert.equal(accepted.status, 202, accepted.text);
  assert.equal(accepted.body.available, '7.5');
  await until(() => w.chain.balance(destination) === 12_500_000n, 'the transfer to be final');
  await until(async () => (await w.coordinator.request('GET', '/v1/account', { key: clientKey })).body.withdrawing === '0', 'the withdrawal to leave the books');
  await assertInvariant(w);

  // An admin credit is money the chain does not hold: withdrawing it is refused on chain and refunded.
  const richKey = await w.coordinator.createClient('henry', '5000');
  const refused = await w.coordinator.request('POST', '/v1/account/withdraw', { key: richKey, body: { to: destination, amount: '4000' } });
  assert.equal(refused.status, 202);
  const failed = await until(async () => (await admin(w.coordinator.request)).outbox.find((row: { kind: string; state: string }) => row.kind === 'withdraw' && row.state === 'failed'), 'the refusal');
  assert.equal(failed.error_code, 'PAYMENT_FAILED');
  assert.match(failed.error, /balance/);
  assert.deepEqual((await w.coordinator.request('GET', '/v1/account', { key: richKey })).body, { account: 'henry', available: '5000', escrowed: '0', withdrawing: '0', disputable: '0' }, 'refunded');
  assert.equal(w.chain.balance(destination), 12_500_000n);
  await assertInvariant(w);
  // The next withdrawal reuses the refused one's nonce and goes through.
  const again = await withdraw({ to: destination, amount: '1' });
  assert.equal(again.status, 202);
  await until(() => w.chain.balance(destination) === 13_500_000n, 'the next withdrawal');
  await assertInvariant(w);
});

test('a withdrawal the chain refuses for its nonce (CHAIN_TX_INVALID_NONCE) is signed again with the next nonce and moves once', async () => {
  const w = await world();
  const clientKey = await fundedClient(w, 'jack', '20');
  // Someone else with the clearing key takes its next nonce while no block is made (a self-transfer: the books stay whole).
  w.chain.node.hold(true);
  const { nonce } = w.chain.node.balanceOf(w.clearing);
  w.chain.node.submit(signTx({ type: 'transfer', chain_id: 'aitbc-devnet', to: w.clearing, amount: '1', fee: '0', nonce } as never, w.key.secretKey));
  const destination = addressFromPublicKey(generateKeyPair().publicKey);
  assert.equal((await w.coordinator.request('POST', '/v1/account/withdraw', { key: clientKey, body: { to: destination, amount: '3' } })).status, 202);
  const refused = await until(async () => (await admin(w.coordinator.request)).outbox.find((row: { kind: string; error: string | null }) => row.kind === 'withdraw' && /nonce/.test(row.error ?? '')), 'the nonce refusal');
  assert.ok(['queued', 'pending'].includes(refused.state), `signed again, not failed: ${refused.state}`);
  assert.match(refused.error, new RegExp(`nonce ${nonce} is not the sender's next nonce ${nonce + 1}`));
  w.chain.node.hold(false);
  await until(() => w.chain.balance(destination) === 3_000_000n, 'the withdrawal to be final');
  await assertInvariant(w);
  assert.equal(w.chain.balance(destination), 3_000_000n, 'moved once');
});

test('without --chain-url nothing changes: chain disabled, no clearing address, withdraw says why', async () => {
  const coordinator = await startTestCoordinator();
  cleanups.push(() => coordinator.close());
  assert.equal((await coordinator.request('GET', '/v1/health')).body.chain, 'disabled');
  assert.equal((await coordinator.request('GET', '/v1/coordinator')).body.clearing_address, undefined);
  const key = await coordinator.createClient('ivan', '5');
  const answer = await coordinator.request('POST', '/v1/account/withdraw', { key, body: { to: walletAddress, amount: '1' } });
  assert.equal(answer.status, 404);
  assert.equal(answer.body.error_code, 'ROUTE_NOT_FOUND');
  assert.match(answer.body.detail, /without a chain/);
  assert.equal((await coordinator.request('GET', '/v1/admin/chain', { key: ADMIN_KEY })).body.chain, 'disabled');
});
