// What a client asks of verification at submit: `verify` (a re-run by another owner, at its
// cost: both runs escrowed at once) and `min_reputation` (only miners scored at least that).

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmount } from '@aitbc/protocol';
import { World } from './verification-world.ts';

let world: World;
afterEach(() => world.close());

async function view(jobId: string) {
  const answer = await world.coordinator.request('GET', `/v1/jobs/${jobId}`, { key: world.clientKey });
  assert.equal(answer.status, 200, answer.text);
  return answer.body;
}

test('verify: both runs escrowed at submit, the re-run waits for its subject, goes to another owner, and the client pays both; status agreed', async () => {
  world = await World.start({});
  const [a, b] = [await world.miner('gpu-a'), await world.miner('gpu-b')];
  const jobId = await world.submit({ verify: true, max_price: '2.5' });
  assert.deepEqual(await world.coordinator.store.getAccount('alice').then((account) => [account.availableMicro, account.escrowedMicro]), [parseAmount('995'), parseAmount('5')]);
  const pending = await view(jobId);
  assert.equal(pending.verify, true);
  assert.equal(pending.verification.status, 'pending');
  const rerunId = pending.verification.job_id;

  assert.equal((await world.work(a))?.job_id, jobId, 'the re-run is not claimable before its subject completes');
  assert.equal(await world.work(a), null, 'nor by the owner of the miner that ran the subject');
  assert.equal((await world.work(b))?.job_id, rerunId);

  const done = await view(jobId);
  assert.deepEqual([done.verification.status, done.verification.job_id], ['agreed', rerunId]);
  assert.match(done.verification.detail, /byte-identical/);
  const [subject, rerun] = [await world.job(jobId), await world.job(rerunId)];
  assert.equal(rerun.account, 'alice');
  const account = await world.coordinator.store.getAccount('alice');
  assert.deepEqual([account.availableMicro, account.escrowedMicro], [parseAmount('1000') - subject.priceMicro! - rerun.priceMicro!, 0n]);
  const plain = await view(await world.submit());
  assert.deepEqual([plain.verify, plain.verification], [false, null]);
});

test('verify needs twice max_price available, and says so', async () => {
  world = await World.start({});
  await world.miner('gpu-a');
  const poor = await world.coordinator.createClient('bob', '4');
  const answer = await world.coordinator.request('POST', '/v1/jobs', { key: poor, body: { model: 'llama3.2', prompt: 'hi', max_price: '2.5', verify: true } });
  assert.deepEqual([answer.status, answer.body.error_code], [402, 'PAYMENT_INSUFFICIENT_BALANCE']);
  assert.match(answer.body.detail, /twice .*5(\.0+)? in all/);
  assert.equal((await world.coordinator.store.getAccount('bob')).availableMicro, parseAmount('4'), 'nothing escrowed');
});

test('a verify job cancelled before it ran is refunded whole: its waiting re-run is cancelled with it', async () => {
  world = await World.start({});
  const a = await world.miner('gpu-a');
  const jobId = await world.submit({ verify: true });
  const cancelled = await world.coordinator.request('POST', `/v1/jobs/${jobId}/cancel`, { key: world.clientKey });
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.body.verification.status, 'abandoned');
  const account = await world.coordinator.store.getAccount('alice');
  assert.deepEqual([account.availableMicro, account.escrowedMicro], [parseAmount('1000'), 0n]);
  assert.equal(await world.work(a), null, 'nothing left to run');
});

test('min_reputation: a new miner (score 0) does not get the job; a miner with a record does', async () => {
  world = await World.start({});
  const [fresh, veteran] = [await world.miner('gpu-new'), await world.miner('gpu-old')];
  for (let i = 0; i < 5; i++) {
    await world.submit();
    assert.ok(await world.work(veteran));
  }
  assert.ok((await world.publicMiner('gpu-old')).reputation.score > 0.5);
  const jobId = await world.submit({ min_reputation: 0.5 });
  assert.equal(await world.poll(fresh), null);
  const claimed = await world.coordinator.request('POST', `/v1/jobs/${jobId}/claim`, { key: fresh.miner.apiKey, body: { miner_id: 'gpu-new' } });
  assert.deepEqual([claimed.status, claimed.body.error_code], [409, 'JOB_ALREADY_CLAIMED']);
  assert.equal((await world.work(veteran))?.job_id, jobId);
});

test('verify and min_reputation are validated with their field', async () => {
  world = await World.start({});
  await world.miner('gpu-a');
  for (const [extra, code, field] of [
    [{ verify: 'yes' }, 'VALIDATION_INVALID_TYPE', 'verify'],
    [{ min_reputation: 1.5 }, 'VALIDATION_OUT_OF_RANGE', 'min_reputation'],
    [{ min_reputation: -0.1 }, 'VALIDATION_OUT_OF_RANGE', 'min_reputation'],
  ] as const) {
    const answer = await world.coordinator.request('POST', '/v1/jobs', { key: world.clientKey, body: { model: 'llama3.2', prompt: 'hi', max_price: '1', ...extra } });
    assert.deepEqual([answer.status, answer.body.error_code, answer.body.field], [422, code, field], answer.text);
  }
});
