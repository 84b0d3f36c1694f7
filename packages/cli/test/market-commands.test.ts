// `aitbc models`, `aitbc miners` and `aitbc earnings` against a real coordinator: the tables a
// person reads (price ranges, capabilities, miners online, pages, per-day and per-model earnings
// with held, claimable, pending and settled money) and --json as the API's own answer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AitbcClient } from '@aitbc/sdk';
import { ManualClock } from '@aitbc/testkit';
import { startTestCoordinator, TestMiner } from '@aitbc/testkit/coordinator';
import { execAitbc } from '@aitbc/testkit/processes';

test('models, miners and earnings as tables and as JSON', async () => {
  const clock = new ManualClock();
  const coordinator = await startTestCoordinator({ now: clock.now, acceptanceWindowSeconds: 600 });
  try {
    const aitbc = (...args: string[]) => execAitbc([...args, '--url', coordinator.url]);
    const ownerKey = await coordinator.createKey(['miner']);
    const a = new TestMiner(coordinator, ownerKey, 'gpu-a', { 'llama3.2': '0.002', mistral: '0.001' });
    const b = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'gpu-b', { 'llama3.2': '0.003' });
    const capabilities = { 'llama3.2': { capabilities: ['completion', 'chat', 'tools'] }, mistral: { capabilities: ['completion'] } };
    assert.equal((await a.register({ capabilities, gpu: { name: 'RTX 4090', memory_gb: 24 } })).status, 201);
    assert.equal((await b.register()).status, 201);

    const models = await aitbc('models');
    assert.equal(models.status, 0, models.stderr);
    assert.match(models.stdout, /^model\s+price\/token\s+capabilities\s+miners\s+queued\n/);
    assert.match(models.stdout, /\nllama3\.2\s+0\.002–0\.003\s+completion,chat,tools\s+2\s+0\n/);
    assert.match(models.stdout, /\nmistral\s+0\.001\s+completion\s+1\s+0\n/);
    assert.match(models.stdout, /2 miner\(s\) online, 0 job\(s\) queued/);
    const market = JSON.parse((await aitbc('models', '--json')).stdout);
    assert.deepEqual(market, await new AitbcClient({ baseUrl: coordinator.url }).market.get(), '--json is the raw GET /v1/market');

    const firstPage = await aitbc('miners', '--limit', '1');
    assert.equal(firstPage.status, 0, firstPage.stderr);
    const cursor = /\(more: aitbc miners --cursor (\S+)\)/.exec(firstPage.stdout)?.[1];
    assert.ok(cursor, firstPage.stdout);
    const secondPage = await aitbc('miners', '--limit', '1', '--cursor', cursor, '--json');
    const shown = [firstPage.stdout, JSON.parse(secondPage.stdout).items.map((m: { miner_id: string }) => m.miner_id).join()].join('\n');
    assert.ok(/gpu-a/.test(shown) && /gpu-b/.test(shown), 'the two pages hold both miners');
    const onlyMistral = await aitbc('miners', '--model', 'mistral');
    assert.match(onlyMistral.stdout, /\ngpu-a\s+online\s+llama3\.2 \(0\.002\), mistral \(0\.001\)\s+RTX 4090\s+0\.00\s+0\s+/);
    assert.doesNotMatch(onlyMistral.stdout, /gpu-b/);

    // Three jobs for gpu-a: two outside the acceptance window by now (one claimed), one inside it.
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '10') });
    const runOne = async (model: string) => {
      const { job_id: jobId } = await client.jobs.submit({ model, prompt: 'hi', max_price: '1', miner_id: 'gpu-a' });
      const claim = await a.poll(0);
      const done = await a.complete(jobId, a.completion(claim.body, 'the answer', undefined, clock.now()));
      assert.equal(done.status, 200, done.text);
      return done.body.receipt.receipt_id as string;
    };
    const first = await runOne('llama3.2');
    await runOne('mistral');
    clock.advance(601_000);
    assert.equal((await a.heartbeat()).status, 200);
    const claimed = await coordinator.request('POST', `/v1/receipts/${first}/claim`, { key: ownerKey });
    assert.equal(claimed.status, 200, claimed.text);
    await runOne('llama3.2');

    const earnings = await aitbc('earnings', 'gpu-a', '--api-key', ownerKey);
    assert.equal(earnings.status, 0, earnings.stderr);
    assert.match(earnings.stdout, /per day\nday\s+model\s+jobs\s+tokens\s+earned\n2026-11-24\s+llama3\.2\s+2\s+24\s+0\.048\n2026-11-24\s+mistral\s+1\s+12\s+0\.012\n/);
    assert.match(earnings.stdout, /per model\nmodel\s+jobs\s+tokens\s+earned\nllama3\.2\s+2\s+24\s+0\.048\nmistral\s+1\s+12\s+0\.012\n/);
    assert.match(earnings.stdout, /held 0\.024 AITBC \(acceptance window or dispute\), claimable 0\.012, pending settlement 0\.024, settled 0\n/);
    const json = JSON.parse((await aitbc('earnings', 'gpu-a', '--api-key', ownerKey, '--json')).stdout);
    assert.deepEqual([json.held, json.earned, json.claimed, json.settled, json.days.length], ['0.024', '0.012', '0.024', '0', 2]);

    const stranger = await aitbc('earnings', 'gpu-a', '--api-key', await coordinator.createKey(['miner']));
    assert.equal(stranger.status, 3, 'another owner key may not read them');
  } finally {
    await coordinator.assertLedger();
    await coordinator.close();
  }
});
