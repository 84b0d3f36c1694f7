// The acceptance window and client disputes (issue 13): a miner's earnings are held through the
// job's window (claims refused until it ends), a client disputes inside it once, the held money
// freezes, and the re-execution it pays for decides: upheld refunds exactly the price and pauses
// the miner; rejected pays the miner and costs the client the re-run. The ledger audit is clean
// after every test (World.close).

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAmount, parseAmount } from '@aitbc/protocol';
import { ADMIN_KEY } from '@aitbc/testkit/coordinator';
import { cheat, World, type Runner } from './verification-world.ts';

const WINDOW_S = 600;

let world: World;
afterEach(() => world.close());

const start = () => World.start({}, undefined, { acceptanceWindowSeconds: WINDOW_S });

async function request(method: string, path: string, key: string, body?: unknown) {
  return world.coordinator.request(method, path, { key, body });
}
const available = async () => parseAmount((await request('GET', '/v1/account', world.clientKey)).body.available);
const earnings = async (runner: Runner) => (await request('GET', `/v1/miners/${runner.id}/earnings`, runner.miner.apiKey)).body;
const dispute = (jobId: string, reason: unknown = 'the answer ignores the question', key = world.clientKey) => request('POST', `/v1/jobs/${jobId}/dispute`, key, { reason });

/** A client job run by `runner` (alone, so it is the one that claims it). */
async function jobRunBy(runner: Runner, extra: Record<string, unknown> = {}): Promise<string> {
  await runner.miner.heartbeat(); // online after the clock moved
  const jobId = await world.submit(extra);
  assert.equal((await world.work(runner))?.job_id, jobId);
  return jobId;
}

test("earnings are held through the job's window: claims refused until it ends, released after; a job may shorten the window, not lengthen it", async () => {
  world = await start();
  const miner = await world.miner('gpu-a');
  const jobId = await jobRunBy(miner);
  const job = await world.job(jobId);
  const price = job.priceMicro!;
  assert.equal(job.acceptUntil, job.endedAt! + WINDOW_S * 1000);
  const view = (await request('GET', `/v1/jobs/${jobId}`, world.clientKey)).body;
  assert.deepEqual([view.accept_until, view.dispute], [new Date(job.acceptUntil!).toISOString(), null]);
  assert.equal(parseAmount((await request('GET', '/v1/account', world.clientKey)).body.disputable), price);
  assert.deepEqual([parseAmount((await earnings(miner)).held), (await earnings(miner)).earned], [price, '0']);

  const early = await request('POST', `/v1/receipts/${job.receiptId}/claim`, miner.miner.apiKey);
  assert.equal(early.status, 400, early.text);
  assert.equal(early.body.error_code, 'JOB_INVALID_STATUS');
  assert.match(early.body.detail, new RegExp(`acceptance window until ${new Date(job.acceptUntil!).toISOString()}`));

  world.clock.advance(WINDOW_S * 1000);
  assert.deepEqual([(await earnings(miner)).held, parseAmount((await earnings(miner)).earned)], ['0', price], 'released lazily when read');
  assert.equal((await request('GET', '/v1/account', world.clientKey)).body.disputable, '0');
  const claimed = await request('POST', `/v1/receipts/${job.receiptId}/claim`, miner.miner.apiKey);
  assert.equal(claimed.status, 200, claimed.text);

  // A window of 0: released with the completion.
  const waived = await world.job(await jobRunBy(miner, { acceptance_window_seconds: 0 }));
  assert.equal((await request('POST', `/v1/receipts/${waived.receiptId}/claim`, miner.miner.apiKey)).status, 200);
  // The sweeper releases due receipts without any read.
  const swept = await world.job(await jobRunBy(miner, { acceptance_window_seconds: 5 }));
  world.clock.advance(5_000);
  await world.coordinator.services.sweeper.sweepOnce();
  assert.notEqual(world.coordinator.sqlite.db.prepare('SELECT released_at FROM receipts WHERE receipt_id = ?').pluck().get(swept.receiptId), null);

  const longer = await request('POST', '/v1/jobs', world.clientKey, { model: 'llama3.2', prompt: 'p', max_price: '1', acceptance_window_seconds: WINDOW_S + 1 });
  assert.equal(longer.status, 422, longer.text);
  assert.deepEqual([longer.body.error_code, longer.body.field], ['VALIDATION_OUT_OF_RANGE', 'acceptance_window_seconds']);
});

test('a dispute upheld: held earnings frozen past the window, three runs against the miner, the client refunded exactly the price, the miner paused', async () => {
  world = await start();
  const [a, b, c, d] = [await world.miner('gpu-a'), await world.miner('gpu-b'), await world.miner('gpu-c'), await world.miner('gpu-d')];
  a.answer = cheat;
  const jobId = await jobRunBy(a);
  const price = (await world.job(jobId)).priceMicro!;
  const before = await available();

  const bob = await world.coordinator.createClient('bob', '10');
  assert.equal((await dispute(jobId, 'not mine', bob)).body.error_code, 'JOB_NOT_FOUND', "another client's job is not found");
  const empty = await dispute(jobId, '');
  assert.deepEqual([empty.status, empty.body.field], [422, 'reason']);
  const long = await dispute(jobId, 'x'.repeat(1001));
  assert.deepEqual([long.status, long.body.error_code, long.body.field], [422, 'VALIDATION_OUT_OF_RANGE', 'reason']);

  const opened = await dispute(jobId);
  assert.equal(opened.status, 200, opened.text);
  assert.deepEqual([opened.body.dispute.status, opened.body.dispute.reason], ['open', 'the answer ignores the question']);
  const twice = await dispute(jobId);
  assert.deepEqual([twice.status, twice.body.error_code], [400, 'JOB_INVALID_STATUS']);
  assert.match(twice.body.detail, /already disputed/);

  // The window ends while the dispute is open: the earnings stay held.
  world.clock.advance(WINDOW_S * 1000 + 1);
  await world.coordinator.services.sweeper.sweepOnce();
  assert.deepEqual([parseAmount((await earnings(a)).held), (await earnings(a)).earned], [price, '0']);

  await world.drain(b, c, d);
  const [check] = (await world.checks()).filter((entry) => entry.subject_job_id === jobId);
  assert.equal(check?.verdict, 'disagree');
  const decided = (await request('GET', `/v1/jobs/${jobId}`, world.clientKey)).body.dispute;
  assert.equal(decided.status, 'upheld');
  assert.ok(decided.decided_at);
  assert.equal((await world.job(jobId)).dispute?.checkId, opened.body.dispute.check_id, 'the check that found the miner wrong, for slashing');
  const reruns = await world.coordinator.store.rerunsOf(jobId);
  assert.equal(reruns.length, 3, 'the re-run and two tie-breaks');
  assert.ok(reruns.every((job) => job.account === 'alice'), 'paid by the client');
  const rerunCost = reruns.reduce((sum, job) => sum + job.priceMicro!, 0n);
  assert.equal(await available(), before + price - rerunCost, 'refunded exactly the price; the re-runs were paid');
  assert.deepEqual([(await earnings(a)).held, (await earnings(a)).earned], ['0', '0']);
  assert.equal((await world.publicMiner(a.id)).paused, true);
  const receipt = (await world.job(jobId)).receiptId;
  const claim = await request('POST', `/v1/receipts/${receipt}/claim`, a.miner.apiKey);
  assert.equal(claim.status, 400);
  assert.match(claim.body.detail, /dispute upheld/);
});

test("a dispute rejected: the miner was right and is paid at once, the client paid the re-run; none after the window or on a job that did not complete", async () => {
  world = await start();
  const [a, b] = [await world.miner('gpu-a'), await world.miner('gpu-b')];
  const jobId = await jobRunBy(a);
  const price = (await world.job(jobId)).priceMicro!;
  const before = await available();
  assert.equal((await dispute(jobId)).status, 200);
  await world.drain(b);
  assert.equal((await request('GET', `/v1/jobs/${jobId}`, world.clientKey)).body.dispute.status, 'rejected');
  const [rerun] = await world.coordinator.store.rerunsOf(jobId);
  assert.equal(await available(), before - rerun!.priceMicro!);
  assert.deepEqual([(await earnings(a)).held, parseAmount((await earnings(a)).earned)], ['0', price], 'released before the window ends');
  assert.equal((await world.publicMiner(a.id)).paused, false);

  const late = await jobRunBy(a);
  world.clock.advance(WINDOW_S * 1000);
  const refused = await dispute(late);
  assert.deepEqual([refused.status, refused.body.error_code], [400, 'JOB_INVALID_STATUS']);
  assert.match(refused.body.detail, /acceptance window ended at \d{4}-/);

  await a.miner.heartbeat();
  const queued = await world.submit();
  const notDone = await dispute(queued);
  assert.deepEqual([notDone.status, notDone.body.error_code], [400, 'JOB_INVALID_STATUS']);
  await request('POST', `/v1/jobs/${queued}/cancel`, world.clientKey);
  assert.equal((await world.coordinator.request('GET', '/v1/admin/ledger', { key: ADMIN_KEY })).body.ok, true);
});

test('a dispute the client cannot pay for is refused with what it has, and changes nothing', async () => {
  world = await start();
  const a = await world.miner('gpu-a');
  const jobId = await jobRunBy(a);
  await (await world.miner('gpu-b')).miner.heartbeat(); // an independent miner could re-run it
  // Everything alice has left is escrowed by a job no miner has claimed.
  await world.submit({ max_price: formatAmount(await available()) });
  const refused = await dispute(jobId);
  assert.deepEqual([refused.status, refused.body.error_code], [402, 'PAYMENT_INSUFFICIENT_BALANCE']);
  assert.match(refused.body.detail, /has 0 AITBC available; a dispute re-runs the job at your cost/);
  assert.equal((await world.job(jobId)).dispute, null);
});

test('a dispute nobody independent could re-run is not opened: 503 MINER_OFFLINE saying when to retry, nothing held', async () => {
  world = await start();
  const a = await world.miner('gpu-a');
  const jobId = await jobRunBy(a);
  const before = await available();
  const refused = await dispute(jobId);
  assert.deepEqual([refused.status, refused.body.error_code], [503, 'MINER_OFFLINE']);
  assert.match(refused.body.detail, /No miner of another owner serving the weights of job .* is online to re-run it, so the dispute was not opened; dispute again before/);
  assert.equal((await world.job(jobId)).dispute, null);
  assert.equal(await available(), before);
  const b = await world.miner('gpu-b');
  await b.miner.heartbeat();
  assert.equal((await dispute(jobId)).status, 200, 'once an independent miner is online, the dispute opens');
});
