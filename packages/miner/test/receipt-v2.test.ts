// The miner daemon with the demo backend against a real coordinator and chain: it advertises the
// demo model's digest, signs version-2 receipts (digest, backend, params hash) that verify with
// the pinned keys and settle on chain, paying the miner exactly their prices.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, generateKeyPair, paramsHash, parseAmount, verifyReceipt, type Receipt } from '@aitbc/protocol';
import { AitbcClient } from '@aitbc/sdk';
import { until } from '@aitbc/testkit';
import { startTestChain } from '@aitbc/testkit/chain';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';
import { DemoBackend } from '../src/backends/demo.ts';
import { MinerDaemon } from '../src/daemon.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('the demo miner advertises its digest, signs version-2 receipts that verify, and they settle on chain', async () => {
  const coordinatorKey = generateKeyPair();
  const chain = await startTestChain({ coordinator: coordinatorKey, allocations: [{ address: addressFromPublicKey(coordinatorKey.publicKey), amount: '1000' }] });
  cleanups.push(() => chain.close());
  const coordinator = await startTestCoordinator({ chainUrl: chain.url, coordinatorSecretKey: coordinatorKey.secretKey, chainPollMs: 50, settleWaitMs: 0 });
  cleanups.push(() => coordinator.close());
  const backend = new DemoBackend();
  const minerKeys = generateKeyPair();
  const daemon = new MinerDaemon({
    coordinatorUrl: coordinator.url,
    apiKey: await coordinator.createKey(['miner']),
    minerId: 'demo-v2',
    keys: minerKeys,
    backend,
    pricePerToken: '0.001',
    maxConcurrency: 2,
    pollWaitSeconds: 1,
    log: () => undefined,
  });
  await daemon.start();
  cleanups.push(() => daemon.stop());

  const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '10'), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))) });
  const digests = await backend.modelDigests();
  const digest = digests.demo!;
  assert.deepEqual((await client.miners.get('demo-v2')).digests, { demo: digest, 'demo-embed': digests['demo-embed'] }, 'advertised at registration');

  const jobs = [{ seed: 1, temperature: 0, max_tokens: 12 }, { max_tokens: 8, stop: ['Alice'], top_p: 0.5 }, {}];
  const receipts: Receipt[] = [];
  for (const params of jobs) {
    const result = await client.jobs.run({ model: 'demo', prompt: 'Alice was beginning to get very tired', max_price: '1', params });
    const receipt = result.receipt;
    // The coordinator gives a job without a seed a random one; the receipt binds the params as run.
    const ran = (await coordinator.store.getJob(result.job_id))!.params;
    assert.deepEqual(ran, { ...params, seed: params.seed ?? ran.seed });
    assert.deepEqual([receipt.version, receipt.model_digest, receipt.backend, receipt.params_hash], [2, digest, 'demo', paramsHash(ran)]);
    assert.equal((await client.receipts.verify(receipt)).valid, true, 'verified by the coordinator with the pinned keys');
    const local = verifyReceipt(receipt, { miner: minerKeys.publicKey, coordinator: coordinatorKey.publicKey });
    assert.equal(local.valid, true, JSON.stringify(local.checks));
    receipts.push(receipt);
  }
  assert.equal(daemon.completed, 3);

  for (const receipt of receipts) {
    await until(async () => (await fetch(`${chain.url}/rpc/receipts/${receipt.receipt_id}`)).status === 200, `receipt ${receipt.receipt_id} settled`);
  }
  const total = receipts.reduce((sum, receipt) => sum + parseAmount(receipt.price), 0n);
  assert.ok(total > 0n);
  assert.equal(chain.balance(addressFromPublicKey(minerKeys.publicKey)), total, 'the miner was paid exactly the prices of its v2 receipts');
  const onChain = await (await fetch(`${chain.url}/rpc/receipts/${receipts[0]!.receipt_id}`)).json() as Record<string, unknown>;
  assert.equal(JSON.stringify(onChain).includes(digest), true, 'the chain holds the receipt with its digest');
  await coordinator.assertLedger();
});
