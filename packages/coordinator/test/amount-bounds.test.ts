// Amounts at and past the bound of 10^9 AITBC (MAX_AMOUNT_MICRO) on every route that takes one:
// at the bound accepted (or refused only for want of balance), past it 422
// VALIDATION_OUT_OF_RANGE naming the field, never a 500; the books never hold more than the
// bound, deposits past it stay visible as unmatched, and the audit keeps working throughout —
// also on a database written before amounts were bounded.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, formatAmount, generateKeyPair, MAX_AMOUNT_MICRO } from '@aitbc/protocol';
import { ADMIN_KEY, startTestCoordinator, submitBody, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { until, type HttpAnswer } from '@aitbc/testkit';
import { startTestChain } from '@aitbc/testkit/chain';

const AT = formatAmount(MAX_AMOUNT_MICRO); // "1000000000"
const PAST = ['1000000000.000001', '1000000001', '9223372036854.775807', '99999999999999999999', '1'.repeat(5000)];

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function coordinatorFor(config: Record<string, unknown> = {}): Promise<TestCoordinator> {
  // Load shedding is not under test; a busy test machine must not turn an answer into a 503.
  const coordinator = await startTestCoordinator({ ...config });
  cleanups.push(() => coordinator.close());
  return coordinator;
}

function assertOutOfRange(answer: HttpAnswer, field: string, what: string): void {
  assert.equal(answer.status, 422, `${what}: ${answer.text.slice(0, 300)}`);
  assert.equal(answer.body.error_code, 'VALIDATION_OUT_OF_RANGE', what);
  assert.equal(answer.body.field, field, what);
  assert.match(answer.body.detail, /1000000000 AITBC/, `${what}: the detail names the bound`);
}

async function assertAuditWorks(coordinator: TestCoordinator): Promise<any> {
  const ledger = await coordinator.request('GET', '/v1/admin/ledger', { key: ADMIN_KEY });
  assert.equal(ledger.status, 200, ledger.text);
  assert.deepEqual(ledger.body.problems, []);
  return ledger.body;
}

test('admin credit: the books hold at most the bound, in one account or across all', async () => {
  const coordinator = await coordinatorFor();
  for (const amount of PAST) assertOutOfRange(await coordinator.credit('whale', amount), 'amount', `credit ${amount.slice(0, 25)}`);
  const atBound = await coordinator.credit('whale', AT);
  assert.equal(atBound.status, 200, atBound.text);
  assert.equal(atBound.body.available, AT);
  // Full: one more µAIT anywhere would take the sum of balances past the bound.
  const more = await coordinator.credit('whale', '0.000001');
  assertOutOfRange(more, 'amount', 'credit past the bound of the balance');
  assert.match(more.body.detail, /from 1000000000 to 1000000000\.000001 AITBC/);
  assertOutOfRange(await coordinator.credit('minnow', '0.000001'), 'amount', 'credit to another account past the bound of the sum');
  assert.equal((await coordinator.request('GET', '/v1/admin/ledger', { key: ADMIN_KEY })).body.totals.credited, AT, 'nothing refused reached the books');
  await assertAuditWorks(coordinator);
});

test('submit, register and OpenAI max_price: past the bound 422 with the field; at the bound a whole job runs and is paid', async () => {
  const coordinator = await coordinatorFor();
  const whale = await coordinator.createClient('whale', AT);
  const poor = await coordinator.createKey(['client'], { account: 'poor' });
  const minerKey = await coordinator.createKey(['miner']);

  for (const price of PAST) {
    const answer = await new TestMiner(coordinator, minerKey, 'greedy-1', { 'llama3.2': price }).register();
    assertOutOfRange(answer, 'prices.llama3.2', `register price ${price.slice(0, 25)}`);
  }
  const miner = new TestMiner(coordinator, minerKey, 'dear-1', { 'llama3.2': AT });
  assert.equal((await miner.register()).status, 201, 'a price of the bound per token is accepted');

  for (const maxPrice of PAST) {
    assertOutOfRange(await coordinator.request('POST', '/v1/jobs', { key: whale, body: submitBody({ max_price: maxPrice }) }), 'max_price', `submit ${maxPrice.slice(0, 25)}`);
    const openai = await coordinator.request('POST', '/v1/chat/completions', { key: whale, body: { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], max_price: maxPrice } });
    assertOutOfRange(openai, 'max_price', `OpenAI max_price ${maxPrice.slice(0, 25)}`);
    assert.equal(openai.body.error.code, 'VALIDATION_OUT_OF_RANGE');
  }
  // At the bound, without the money: refused for the balance only.
  const broke = await coordinator.request('POST', '/v1/jobs', { key: poor, body: submitBody({ max_price: AT, params: { max_tokens: 1 } }) });
  assert.equal(broke.body.error_code, 'PAYMENT_INSUFFICIENT_BALANCE', broke.text);
  const brokeOpenAi = await coordinator.request('POST', '/v1/chat/completions', { key: poor, body: { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], max_price: AT } });
  assert.equal(brokeOpenAi.body.error_code, 'PAYMENT_INSUFFICIENT_BALANCE', brokeOpenAi.text);

  // A job of the largest size at the bound price could never match (its max_price cannot cover
  // 32,768 tokens; that product passes 2^63): refused at once; one of one token pays the whole bound.
  const big = await coordinator.request('POST', '/v1/jobs', { key: whale, body: submitBody({ max_price: AT, params: { max_tokens: 32768 } }) });
  assert.equal(big.status, 422, big.text);
  assert.equal(big.body.field, 'max_price');
  const small = await coordinator.request('POST', '/v1/jobs', { key: whale, body: submitBody({ max_price: AT, params: { max_tokens: 1 } }) });
  assert.equal(small.status, 201, small.text);
  const claim = await miner.poll(0);
  assert.equal(claim.body.job_id, small.body.job_id, claim.text);
  const done = await miner.complete(small.body.job_id, miner.completion(claim.body));
  assert.equal(done.status, 200, done.text);
  assert.equal(done.body.price, AT, 'units × price is capped at max_price');
  const earnings = await coordinator.request('GET', '/v1/miners/dear-1/earnings', { key: minerKey });
  assert.equal(earnings.body.earned, AT);
  const audit = await assertAuditWorks(coordinator);
  assert.equal(audit.totals.earned, AT);
});

test('on a chain: a deposit past the bound stays unmatched and visible; withdraw past the bound is 422, at it refused for the balance', async () => {
  const wallet = generateKeyPair();
  const key = generateKeyPair();
  const chain = await startTestChain({ coordinator: key, allocations: [{ address: addressFromPublicKey(wallet.publicKey), amount: '1000' }] });
  cleanups.push(() => chain.close());
  const coordinator = await coordinatorFor({ chainUrl: chain.url, coordinatorSecretKey: key.secretKey, chainPollMs: 50, settleWaitMs: 0 });
  const clearing = addressFromPublicKey(key.publicKey);
  // Admin credits (never on chain) fill the books to 5 AITBC short of the bound.
  assert.equal((await coordinator.credit('whale', formatAmount(MAX_AMOUNT_MICRO - 5_000_000n))).status, 200);
  const carol = await coordinator.createKey(['client'], { account: 'carol' });

  chain.transfer(wallet, clearing, '10', 'carol');
  const unmatched = await until(async () => {
    const view = await coordinator.request('GET', '/v1/admin/chain', { key: ADMIN_KEY });
    return view.body.unmatched_deposits.find((deposit: { amount: string }) => deposit.amount === '10');
  }, 'the deposit past the bound to be listed as unmatched');
  assert.equal(unmatched.memo, 'carol', 'kept with its memo for the operator');
  assert.equal((await coordinator.request('GET', '/v1/account', { key: carol })).body.available, '0');

  chain.transfer(wallet, clearing, '5', 'carol');
  await until(async () => (await coordinator.request('GET', '/v1/account', { key: carol })).body.available === '5', 'the deposit that fits to be credited');
  const books = (await coordinator.request('GET', '/v1/admin/chain', { key: ADMIN_KEY })).body.books;
  assert.equal(books.unmatched_deposits, '10');
  assert.equal(books.admin_credits, formatAmount(MAX_AMOUNT_MICRO - 5_000_000n));

  const to = addressFromPublicKey(generateKeyPair().publicKey);
  for (const amount of PAST) assertOutOfRange(await coordinator.request('POST', '/v1/account/withdraw', { key: carol, body: { to, amount } }), 'amount', `withdraw ${amount.slice(0, 25)}`);
  const atBound = await coordinator.request('POST', '/v1/account/withdraw', { key: carol, body: { to, amount: AT } });
  assert.equal(atBound.body.error_code, 'PAYMENT_INSUFFICIENT_BALANCE', atBound.text);
  await assertAuditWorks(coordinator);
});

test('a database written before amounts were bounded: the audit and the ledger route still answer, exactly', async () => {
  const coordinator = await coordinatorFor();
  const client = await coordinator.createClient('alice', '10');
  assert.equal((await new TestMiner(coordinator, await coordinator.createKey(['miner']), 'gpu-1').register()).status, 201);
  // Two credits of the int64 limit, as an unbounded coordinator accepted them: any SQL sum over
  // them overflows, and the ledger is append-only.
  const INT64_MAX = 2n ** 63n - 1n;
  // On the coordinator's own connection: a second one in this process would wait on the lock of
  // the store's open write group, which only this thread can commit.
  const db = coordinator.sqlite.db;
  db.transaction(() => {
    for (const account of ['old-1', 'old-2']) {
      db.prepare('INSERT INTO ledger (movement_id, kind, bucket, amount, at) VALUES (?, ?, ?, ?, ?)').run(`legacy-${account}`, 'credit', 'external', -INT64_MAX, 1);
      db.prepare('INSERT INTO ledger (movement_id, kind, bucket, amount, at) VALUES (?, ?, ?, ?, ?)').run(`legacy-${account}`, 'credit', `available:${account}`, INT64_MAX, 1);
      db.prepare('INSERT INTO accounts (account, available, created_at) VALUES (?, ?, 1)').run(account, INT64_MAX);
    }
  })();

  const ledger = await coordinator.request('GET', '/v1/admin/ledger', { key: ADMIN_KEY });
  assert.equal(ledger.status, 200, ledger.text);
  assert.equal(ledger.body.ok, true, ledger.text);
  assert.equal(ledger.body.totals.credited, formatAmount(2n * INT64_MAX + 10_000_000n), 'exact, past 2^63');
  // The books are past the bound: more money is refused, spending still works.
  assertOutOfRange(await coordinator.credit('alice', '1'), 'amount', 'credit into books past the bound');
  assert.equal((await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody({ max_price: '1' }) })).status, 201);
  assert.equal((await coordinator.request('GET', '/v1/admin/ledger', { key: ADMIN_KEY })).body.ok, true);
});
