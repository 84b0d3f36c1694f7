// Receipts that bind what ran (version 2): a miner advertises model digests at registration, is
// handed version-2 templates, and a completion naming other weights, other parameters or an
// older version is refused before anything is paid; old miners keep signing version 1.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { base64urlDecode, generateKeyPair, paramsHash, publicKeyFromSecret, verifyReceipt, type RunFacts } from '@aitbc/protocol';
import { startTestCoordinator, submitBody, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';

const coordinatorKey = generateKeyPair();
let coordinator: TestCoordinator;
let clientKey: string;

const DIGEST = `sha256:${'a7'.repeat(32)}`;
const OTHER_DIGEST = `sha256:${'0b'.repeat(32)}`;
const PARAMS = { max_tokens: 64, temperature: 0, seed: 42 };

before(async () => {
  coordinator = await startTestCoordinator({ coordinatorSecretKey: coordinatorKey.secretKey, leaseSeconds: 600 });
  clientKey = await coordinator.createClient('alice', '100');
});
after(() => coordinator.close());

async function newMiner(minerId: string, digests?: Record<string, string>): Promise<TestMiner> {
  const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), minerId, { 'llama3.2': '0.002', 'qwen2.5': '0.001' });
  const answer = await miner.register(digests ? { digests } : {});
  assert.equal(answer.status, 201, answer.text);
  return miner;
}

/** Submits a job pinned to the miner and claims it. */
async function claim(miner: TestMiner, model = 'llama3.2') {
  const submitted = await coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ model, params: PARAMS, miner_id: miner.minerId }) });
  assert.equal(submitted.status, 201, submitted.text);
  const claimed = await miner.poll();
  assert.equal(claimed.status, 200, claimed.text);
  return claimed.body;
}

const run = (changes: Partial<RunFacts> = {}): RunFacts => ({ model_digest: DIGEST, backend: 'ollama', params_hash: paramsHash(PARAMS), ...changes });

test('digests are stored and shown per model; a digest for an unoffered model or of the wrong form is refused', async () => {
  const miner = await newMiner('v2-shown', { 'llama3.2': DIGEST });
  const shown = await coordinator.request('GET', `/v1/miners/${miner.minerId}`, { key: miner.apiKey });
  assert.deepEqual(shown.body.digests, { 'llama3.2': DIGEST });
  const old = await newMiner('v1-shown');
  assert.deepEqual((await coordinator.request('GET', `/v1/miners/${old.minerId}`, { key: old.apiKey })).body.digests, {});

  const unoffered = await miner.register({ digests: { 'llama3.2': DIGEST, mistral: DIGEST } });
  assert.equal(unoffered.status, 422, unoffered.text);
  assert.deepEqual([unoffered.body.error_code, unoffered.body.field], ['VALIDATION_INVALID_FORMAT', 'digests.mistral']);
  for (const [bad, code] of [['a7'.repeat(32), 'VALIDATION_INVALID_FORMAT'], [`sha256:${'A7'.repeat(32)}`, 'VALIDATION_INVALID_FORMAT'], ['sha256:abc', 'VALIDATION_INVALID_FORMAT'], [42, 'VALIDATION_INVALID_TYPE']]) {
    const answer = await miner.register({ digests: { 'llama3.2': bad } });
    assert.ok(answer.status === 400 || answer.status === 422, answer.text);
    assert.deepEqual([answer.body.error_code, answer.body.field], [code, 'digests.llama3.2'], answer.text);
  }
  // A refused update changed nothing.
  assert.deepEqual((await coordinator.request('GET', `/v1/miners/${miner.minerId}`, { key: miner.apiKey })).body.digests, { 'llama3.2': DIGEST });
});

test('a miner that advertised no digest keeps getting and signing version-1 receipts', async () => {
  const miner = await newMiner('v1-miner');
  const job = await claim(miner);
  assert.equal(job.receipt_template.version, 1);
  const done = await miner.complete(job.job_id, miner.completion(job));
  assert.equal(done.status, 200, done.text);
  assert.equal(done.body.receipt.version, 1);
});

test('a version-2 receipt with an unadvertised digest, another params hash or as version 1 is refused; the true one is co-signed', async () => {
  const miner = await newMiner('v2-miner', { 'llama3.2': DIGEST });
  const job = await claim(miner);
  assert.equal(job.receipt_template.version, 2);

  const refusals: [string, unknown, string, RegExp][] = [
    ['unadvertised digest', miner.completion(job, undefined, undefined, undefined, run({ model_digest: OTHER_DIGEST })), 'receipt.model_digest', new RegExp(`must be "${DIGEST}", the digest miner v2-miner advertised for model llama3.2, got "${OTHER_DIGEST}"`)],
    ['params of another job', miner.completion(job, undefined, undefined, undefined, run({ params_hash: paramsHash({ ...PARAMS, temperature: 0.7 }) })), 'receipt.params_hash', new RegExp(paramsHash(PARAMS))],
    ['no parameters at all', miner.completion(job, undefined, undefined, undefined, run({ params_hash: paramsHash({}) })), 'receipt.params_hash', /seed, temperature/],
    ['version 1', miner.completion({ ...job, receipt_template: { ...job.receipt_template, version: 1 } }), 'receipt.version', /must be 2/],
  ];
  for (const [name, body, field, detail] of refusals) {
    const answer = await miner.complete(job.job_id, body);
    assert.equal(answer.status, 422, `${name}: ${answer.text}`);
    assert.deepEqual([answer.body.error_code, answer.body.field], ['VALIDATION_INVALID_FORMAT', field], name);
    assert.match(answer.body.detail, detail, name);
  }
  const still = await coordinator.request('GET', `/v1/jobs/${job.job_id}`, { key: clientKey });
  assert.equal(still.body.status, 'running', 'a refused receipt pays nothing and leaves the job with the miner');

  const done = await miner.complete(job.job_id, miner.completion(job, undefined, undefined, undefined, run()));
  assert.equal(done.status, 200, done.text);
  const receipt = done.body.receipt;
  assert.deepEqual([receipt.version, receipt.model_digest, receipt.backend, receipt.params_hash], [2, DIGEST, 'ollama', paramsHash(PARAMS)]);
  const verdict = verifyReceipt(receipt, { miner: base64urlDecode(miner.publicKey), coordinator: publicKeyFromSecret(coordinatorKey.secretKey) });
  assert.equal(verdict.valid, true, JSON.stringify(verdict.checks));
  const served = await coordinator.request('POST', '/v1/receipts/verify', { key: clientKey, body: { receipt } });
  assert.equal(served.body.valid, true, served.text);
  await coordinator.assertLedger();
});

test('a miner with digests for some models cannot complete a job for a model it gave none for', async () => {
  const miner = await newMiner('v2-partial', { 'llama3.2': DIGEST });
  const job = await claim(miner, 'qwen2.5');
  assert.equal(job.receipt_template.version, 2, 'every receipt of a miner that advertised digests is version 2');
  const answer = await miner.complete(job.job_id, miner.completion(job, undefined, undefined, undefined, run()));
  assert.equal(answer.status, 422, answer.text);
  assert.equal(answer.body.field, 'receipt.model_digest');
  assert.match(answer.body.detail, /advertised no digest for model qwen2\.5 \(advertised: \{"llama3\.2":"sha256:a7/);
});

test('a re-registration that drops the digests goes back to version 1', async () => {
  const miner = await newMiner('v2-dropped', { 'llama3.2': DIGEST });
  assert.equal((await miner.register()).status, 200);
  assert.deepEqual((await coordinator.request('GET', `/v1/miners/${miner.minerId}`, { key: miner.apiKey })).body.digests, {});
  assert.equal((await claim(miner)).receipt_template.version, 1);
});
