// The list endpoints the web pages read, over HTTP: who sees which receipts (a client only its
// account's, a miner key only its miners', an admin all), paging, a miner's earnings by day and
// its payouts, an account's spend, the calling key and its quota use, the market, and the
// deposits waiting for an operator. Errors are envelopes naming the field.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, TestMiner, startTestCoordinator, submitBody, type TestCoordinator } from '@aitbc/testkit/coordinator';

let coordinator: TestCoordinator;
let alice: string;
let bob: string;
/** Owns gpu-a1 and gpu-a2. */
let ownerA: string;
/** Owns gpu-b1. */
let ownerB: string;
const receiptsOf: Record<string, string[]> = { alice: [], bob: [] };
const minerOf: Record<string, string> = {};

/** Submits a job pinned to `miner`, which claims and completes it (5 + 7 tokens at 0.002). */
async function run(clientKey: string, account: string, miner: TestMiner): Promise<void> {
  const submitted = await coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ miner_id: miner.minerId }) });
  assert.equal(submitted.status, 201, submitted.text);
  const claim = (await miner.poll(0)).body;
  assert.equal(claim.job_id, submitted.body.job_id);
  const done = await miner.complete(claim.job_id, miner.completion(claim));
  assert.equal(done.status, 200, done.text);
  receiptsOf[account]!.push(done.body.receipt.receipt_id);
  minerOf[done.body.receipt.receipt_id] = miner.minerId;
}

before(async () => {
  coordinator = await startTestCoordinator({ webDir: null });
  alice = await coordinator.createClient('alice', '10', { daily_job_quota: 50 });
  bob = await coordinator.createClient('bob', '10');
  ownerA = await coordinator.createKey(['miner']);
  ownerB = await coordinator.createKey(['miner']);
  const a1 = new TestMiner(coordinator, ownerA, 'gpu-a1');
  const a2 = new TestMiner(coordinator, ownerA, 'gpu-a2', { 'llama3.2': '0.003' });
  const b1 = new TestMiner(coordinator, ownerB, 'gpu-b1');
  for (const miner of [a1, a2, b1]) assert.equal((await miner.register()).status, 201);
  await run(alice, 'alice', a1);
  await run(bob, 'bob', a2);
  await run(alice, 'alice', b1);
  await run(bob, 'bob', b1);
  await run(alice, 'alice', a1);
});
after(() => coordinator.close());

const ids = (answer: { body: { items: { receipt_id: string }[] } }) => answer.body.items.map((item) => item.receipt_id).sort();
const sorted = (list: string[]) => [...list].sort();
const get = (path: string, key?: string) => coordinator.request('GET', path, key ? { key } : {});

test("a client sees its account's receipts only, and may not ask for another account's or a miner's", async () => {
  assert.deepEqual(ids(await get('/v1/receipts', alice)), sorted(receiptsOf.alice!));
  assert.deepEqual(ids(await get('/v1/receipts', bob)), sorted(receiptsOf.bob!));
  const other = await get('/v1/receipts?account=bob', alice);
  assert.equal(other.status, 403);
  assert.deepEqual([other.body.error_code, other.body.field], ['AUTH_INSUFFICIENT_SCOPE', 'account']);
  assert.equal((await get('/v1/receipts?miner_id=gpu-a1', alice)).body.error_code, 'AUTH_INSUFFICIENT_SCOPE');
  assert.equal((await get('/v1/receipts')).body.error_code, 'AUTH_MISSING_KEY');
});

test("a miner key sees its miners' receipts only; another owner's miner is refused, an unknown one not found", async () => {
  const ofA = Object.keys(minerOf).filter((id) => minerOf[id]!.startsWith('gpu-a'));
  assert.deepEqual(ids(await get('/v1/receipts', ownerA)), sorted(ofA));
  assert.deepEqual(ids(await get('/v1/receipts?miner_id=gpu-a2', ownerA)), Object.keys(minerOf).filter((id) => minerOf[id] === 'gpu-a2'));
  const foreign = await get('/v1/receipts?miner_id=gpu-b1', ownerA);
  assert.equal(foreign.status, 403);
  assert.equal(foreign.body.error_code, 'AUTH_INSUFFICIENT_SCOPE');
  assert.equal((await get('/v1/receipts?miner_id=nobody', ownerA)).body.error_code, 'MINER_NOT_FOUND');
});

test('an admin sees all receipts, filters by account and miner, and pages newest first', async () => {
  const all = Object.keys(minerOf);
  assert.deepEqual(ids(await get('/v1/receipts?limit=100', ADMIN_KEY)), sorted(all));
  assert.deepEqual(ids(await get('/v1/receipts?account=bob', ADMIN_KEY)), sorted(receiptsOf.bob!));
  assert.deepEqual(ids(await get('/v1/receipts?account=bob&miner_id=gpu-b1', ADMIN_KEY)), receiptsOf.bob!.filter((id) => minerOf[id] === 'gpu-b1'));

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: { receipt_id: string; created_at: string }[]; next_cursor: string | null } } = await get(`/v1/receipts?limit=2${cursor ? `&cursor=${cursor}` : ''}`, ADMIN_KEY);
    assert.ok(page.body.items.length <= 2);
    seen.push(...page.body.items.map((item) => item.receipt_id));
    cursor = page.body.next_cursor;
  } while (cursor);
  assert.deepEqual(sorted(seen), sorted(all), 'every receipt once across the pages');

  const [newest] = (await get('/v1/receipts?limit=1', alice)).body.items;
  assert.equal(newest.receipt_id, receiptsOf.alice!.at(-1));
  assert.deepEqual(
    { ...newest, created_at: typeof newest.created_at, released_at: typeof newest.released_at },
    { receipt_id: receiptsOf.alice!.at(-1), job_id: newest.job_id, miner_id: 'gpu-a1', account: 'alice', model: 'llama3.2', price: '0.024', units: 12, created_at: 'string', released_at: 'string', claimed_at: null, settled_at: null, refunded_at: null, settlement: null },
  );

  const badCursor = await get('/v1/receipts?cursor=nonsense', ADMIN_KEY);
  assert.deepEqual([badCursor.status, badCursor.body.error_code, badCursor.body.field], [422, 'VALIDATION_INVALID_FORMAT', 'cursor']);
  const badLimit = await get('/v1/receipts?limit=0', ADMIN_KEY);
  assert.deepEqual([badLimit.status, badLimit.body.field], [422, 'limit']);
});

test("a miner's earnings series: per day and model, its totals and payouts; its owner or an admin only", async () => {
  const series = await get('/v1/miners/gpu-a1/earnings/series?days=7', ownerA);
  assert.equal(series.status, 200, series.text);
  const today = new Date().toISOString().slice(0, 10);
  assert.deepEqual(series.body.days, [{ day: today, model: 'llama3.2', jobs: 2, units: 24, earned: '0.048' }]);
  assert.deepEqual([series.body.held, series.body.earned, series.body.claimed, series.body.settled, series.body.payouts], ['0', '0.048', '0', '0', []]);
  assert.equal((await get('/v1/miners/gpu-a1/earnings/series', ADMIN_KEY)).status, 200);
  const foreign = await get('/v1/miners/gpu-a1/earnings/series', ownerB);
  assert.deepEqual([foreign.status, foreign.body.error_code], [403, 'AUTH_INSUFFICIENT_SCOPE']);
  assert.equal((await get('/v1/miners/gpu-a1/earnings/series', alice)).body.error_code, 'AUTH_INSUFFICIENT_SCOPE');
  const badDays = await get('/v1/miners/gpu-a1/earnings/series?days=0', ownerA);
  assert.deepEqual([badDays.status, badDays.body.field], [422, 'days']);
});

test("an account's spend by day, and the calling key with its quota use", async () => {
  const spend = await get('/v1/account/spend', alice);
  const today = new Date().toISOString().slice(0, 10);
  // alice ran two jobs on gpu-a1 at 0.002 and one on gpu-b1 at 0.002, 12 tokens each.
  assert.deepEqual(spend.body, { account: 'alice', days: [{ day: today, jobs: 3, spent: '0.072' }] });
  assert.equal((await get('/v1/account/spend', ownerA)).body.error_code, 'AUTH_INSUFFICIENT_SCOPE');

  const key = await get('/v1/account/key', alice);
  assert.equal(key.status, 200);
  assert.deepEqual({ ...key.body, key_id: typeof key.body.key_id, created_at: typeof key.body.created_at }, {
    key_id: 'string',
    scopes: ['client'],
    account: 'alice',
    rate_limit_per_minute: null,
    daily_job_quota: 50,
    used_today: 3,
    expires_at: null,
    created_at: 'string',
  });
  assert.equal(JSON.stringify(key.body).includes('aitbc_'), false, 'never the key itself');
  const admin = await get('/v1/account/key', ADMIN_KEY);
  assert.deepEqual([admin.body.scopes, admin.body.created_at], [['admin'], null]);
});

test('the market is public: models with prices and queued jobs, miners online, queue depth and jobs per minute', async () => {
  const queued = await coordinator.request('POST', '/v1/jobs', { key: bob, body: submitBody({ miner_id: 'gpu-b1' }) });
  assert.equal(queued.status, 201);
  const market = await get('/v1/market');
  assert.equal(market.status, 200);
  assert.deepEqual(market.body.models, [{ model: 'llama3.2', miners_online: 3, min_price: '0.002', max_price: '0.003', capabilities: market.body.models[0].capabilities, queued: 1 }]);
  assert.ok(market.body.models[0].capabilities.includes('completion'));
  assert.deepEqual([market.body.miners_online, market.body.queue_depth, market.body.jobs_per_minute, market.body.completed_last_hour], [3, 1, 0.5, 5]);
  await coordinator.request('DELETE', `/v1/jobs/${queued.body.job_id}`, { key: bob });
});

test('deposits waiting for an operator: admin only, oldest first, limited', async () => {
  await coordinator.store.recordDeposits(
    {
      nextHeight: 3,
      deposits: [
        { txHash: 'tx-1', blockHeight: 1, fromAddress: 'ait1sender', amountMicro: 5_000_000n, memo: 'nobody-we-know' },
        { txHash: 'tx-2', blockHeight: 2, fromAddress: 'ait1sender', amountMicro: 1_500_000n, memo: null },
      ],
    },
    Date.now(),
  );
  const deposits = await get('/v1/admin/deposits?limit=1', ADMIN_KEY);
  assert.equal(deposits.status, 200);
  assert.deepEqual(deposits.body.items.map(({ seen_at: _, ...rest }: Record<string, unknown>) => rest), [{ tx_hash: 'tx-1', block_height: 1, from: 'ait1sender', amount: '5', memo: 'nobody-we-know' }]);
  assert.equal((await get('/v1/admin/deposits', ADMIN_KEY)).body.items.length, 2);
  assert.equal((await get('/v1/admin/deposits', alice)).body.error_code, 'AUTH_INSUFFICIENT_SCOPE');
  assert.equal((await get('/v1/admin/deposits?limit=101', ADMIN_KEY)).body.field, 'limit');
});
