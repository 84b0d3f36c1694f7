// What a miner says about itself is checked: heartbeats that name the jobs a miner runs take back
// the jobs it no longer runs (a restarted miner), failure reasons lose URLs before clients read
// them, and a payout address may never be the coordinator's own.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, generateKeyPair, publicKeyFromSecret } from '@aitbc/protocol';
import { applyMigrations } from '@aitbc/protocol/node';
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '@aitbc/testkit';
import { startTestCoordinator, submitBody, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';

const clock = new ManualClock();
const coordinatorKey = generateKeyPair();
let coordinator: TestCoordinator;
let clientKey: string;

before(async () => {
  coordinator = await startTestCoordinator({ now: clock.now, leaseSeconds: 600, coordinatorSecretKey: coordinatorKey.secretKey });
  clientKey = await coordinator.createClient('alice', '100');
});
after(() => coordinator.close());

async function newMiner(minerId: string, maxConcurrency = 4): Promise<TestMiner> {
  const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), minerId, undefined, maxConcurrency);
  assert.equal((await miner.register()).status, 201);
  return miner;
}

async function claimOne(miner: TestMiner): Promise<string> {
  const submitted = await coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody() });
  assert.equal(submitted.status, 201, submitted.text);
  const claim = await miner.poll();
  assert.equal(claim.status, 200, claim.text);
  return claim.body.job_id;
}

const beat = (miner: TestMiner, jobs?: string[]) =>
  coordinator.request('POST', '/v1/miners/heartbeat', { key: miner.apiKey, body: jobs === undefined ? { miner_id: miner.minerId } : { miner_id: miner.minerId, jobs } });
const job = async (jobId: string) => (await coordinator.request('GET', `/v1/jobs/${jobId}`, { key: clientKey })).body;

test('a heartbeat naming its jobs extends only those; the others lapse at once and go back to the queue', async () => {
  const miner = await newMiner('beat-1');
  const kept = await claimOne(miner);
  const orphan = await claimOne(miner);
  clock.advance(20_000); // both were claimed well before this heartbeat
  const answer = await beat(miner, [kept]);
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(answer.body.running_jobs, [kept]);
  assert.deepEqual(answer.body.lapsed_jobs, [orphan]);
  assert.equal(answer.body.lease_expires_at, new Date(clock.ms + 600_000).toISOString());

  const requeued = await job(orphan);
  assert.equal(requeued.status, 'queued', 'back in the queue without waiting for its lease');
  assert.equal(requeued.attempts, 1, 'the lost attempt counts');
  assert.match(requeued.error, /no longer runs the job/);
  assert.equal((await job(kept)).status, 'running');

  // The job goes to whoever polls next (here the same miner, as a new attempt).
  const again = await miner.poll();
  assert.equal(again.body.job_id, orphan);
  assert.equal(again.body.attempt, 2);
  for (const jobId of [kept, orphan]) assert.equal((await miner.fail(jobId, 'cleanup', false)).status, 200);
  await coordinator.assertLedger();
});

test('a job claimed moments before the heartbeat left the miner is not taken back; an old-style heartbeat extends every lease', async () => {
  const miner = await newMiner('beat-2');
  const fresh = await claimOne(miner);
  clock.advance(1_000);
  const answer = await beat(miner, []);
  assert.deepEqual(answer.body.running_jobs, [fresh], 'the claim and the heartbeat may have crossed');
  assert.deepEqual(answer.body.lapsed_jobs, []);
  const legacy = await beat(miner);
  assert.deepEqual([legacy.body.running_jobs, legacy.body.lapsed_jobs], [[fresh], []]);
  clock.advance(20_000);
  assert.deepEqual((await beat(miner, [])).body.lapsed_jobs, [fresh], 'still unlisted later: taken back');
  assert.equal((await job(fresh)).status, 'queued');
  assert.equal((await miner.poll()).body.job_id, fresh);
  assert.equal((await miner.fail(fresh, 'cleanup', false)).status, 200);
});

test('a job lapsed by a heartbeat on its last attempt fails and is refunded', async () => {
  const miner = await newMiner('beat-3');
  const jobId = await claimOne(miner);
  for (let attempt = 1; attempt < 3; attempt++) {
    clock.advance(20_000);
    await beat(miner, []);
    assert.equal((await miner.poll()).body.job_id, jobId);
  }
  clock.advance(20_000);
  assert.deepEqual((await beat(miner, [])).body.lapsed_jobs, [jobId]);
  const failed = await job(jobId);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.attempts, 3);
  const account = (await coordinator.request('GET', '/v1/account', { key: clientKey })).body;
  assert.equal(account.escrowed, '0', 'nothing stays locked');
  await coordinator.assertLedger();
});

test('heartbeat jobs: validated like every body', async () => {
  const miner = await newMiner('beat-4');
  const tooMany = await beat(miner, Array.from({ length: 257 }, (_, i) => `job-${i}`));
  assert.deepEqual([tooMany.status, tooMany.body.error_code, tooMany.body.field], [422, 'VALIDATION_OUT_OF_RANGE', 'jobs']);
  const notStrings = await coordinator.request('POST', '/v1/miners/heartbeat', { key: miner.apiKey, body: { miner_id: miner.minerId, jobs: [1] } });
  assert.equal(notStrings.body.error_code, 'VALIDATION_INVALID_TYPE');
  // Another miner's job named in a heartbeat is not extended, nor taken from it.
  const other = await newMiner('beat-5');
  const theirs = await claimOne(other);
  clock.advance(20_000);
  assert.deepEqual((await beat(miner, [theirs])).body.running_jobs, []);
  assert.deepEqual((await beat(other, [theirs])).body.running_jobs, [theirs]);
  assert.equal((await other.fail(theirs, 'cleanup', false)).status, 200);
});

test("a miner's failure reason reaches clients without URLs, hosts or paths", async () => {
  const miner = await newMiner('leaky-1');
  const jobId = await claimOne(miner);
  const reason = 'vllm at http://10.0.0.7:8000/v1/chat/completions said: no GPU (see gpu-box.lan:9000 and /opt/models/x.safetensors)';
  assert.equal((await miner.fail(jobId, reason, false)).status, 200);
  const view = await job(jobId);
  assert.equal(view.error, `miner leaky-1: vllm at [redacted] said: no GPU (see [redacted] and [redacted])`);
  const result = await coordinator.request('GET', `/v1/jobs/${jobId}/result`, { key: clientKey });
  for (const secret of ['10.0.0.7', '8000', 'gpu-box', '/opt/models']) assert.ok(!result.text.includes(secret), result.text);
});

test("the coordinator's own address is refused as a payout address, given or derived", async () => {
  const clearing = addressFromPublicKey(coordinatorKey.publicKey);
  const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'payout-1');
  const given = await miner.register({ payout_address: clearing });
  assert.equal(given.status, 422);
  assert.deepEqual([given.body.error_code, given.body.field], ['VALIDATION_INVALID_FORMAT', 'payout_address']);
  assert.match(given.body.detail, /clearing address.*address of a wallet you hold.*omit it/);

  // A miner that registers with the coordinator's own public key would be paid at the clearing address by default.
  const borrowed = await coordinator.request('POST', '/v1/miners/register', {
    key: miner.apiKey,
    body: { miner_id: 'payout-2', public_key: base64urlEncode(publicKeyFromSecret(coordinatorKey.secretKey)), models: ['llama3.2'], prices: { 'llama3.2': '0.002' } },
  });
  assert.deepEqual([borrowed.status, borrowed.body.error_code, borrowed.body.field], [422, 'VALIDATION_INVALID_FORMAT', 'payout_address']);
  assert.match(borrowed.body.detail, /default payout address.*signing key of your own/);
  assert.equal((await coordinator.request('GET', '/v1/miners/payout-2')).body.error_code, 'MINER_NOT_FOUND', 'nothing was registered');

  // A registered miner cannot move its payout there either.
  assert.equal((await miner.register()).status, 201);
  const update = await miner.register({ payout_address: clearing });
  assert.equal(update.status, 422);
  assert.equal((await coordinator.request('GET', '/v1/miners/payout-1')).body.payout_address, addressFromPublicKey(miner.keys.publicKey));
});

test('receipts accepted before keys were kept get the key_id of their miner signature', () => {
  const migrations = fileURLToPath(new URL('../src/store/sqlite/migrations/', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-migrations-'));
  const db = new Database(':memory:');
  try {
    const files = readdirSync(migrations).filter((name) => name.endsWith('.sql')).sort();
    const keyed = files.findIndex((name) => name.includes('receipt_miner_key'));
    for (const name of files.slice(0, keyed)) copyFileSync(join(migrations, name), join(dir, name));
    applyMigrations(db, dir);
    db.pragma('foreign_keys = OFF'); // a receipt row alone, without its job
    const body = { receipt_id: 'rcpt-old', signatures: [{ alg: 'Ed25519', role: 'coordinator', key_id: 'coordinator-key', sig: 's' }, { alg: 'Ed25519', role: 'miner', key_id: 'miner-key-a', sig: 's' }] };
    db.prepare('INSERT INTO receipts (receipt_id, job_id, miner_id, account, body, created_at) VALUES (?, ?, ?, ?, ?, ?)').run('rcpt-old', 'job-old', 'gpu-1', 'alice', JSON.stringify(body), 1);
    for (const name of files.slice(keyed)) copyFileSync(join(migrations, name), join(dir, name));
    applyMigrations(db, dir);
    assert.equal(db.prepare("SELECT miner_key FROM receipts WHERE receipt_id = 'rcpt-old'").pluck().get(), 'miner-key-a');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
