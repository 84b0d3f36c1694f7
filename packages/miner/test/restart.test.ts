// A miner process killed while it holds jobs (no chance to hand them back), and a new instance
// with the same miner id and key started in its place: the dead instance's jobs must come back
// to the queue at once — not after their leases (10 minutes here) — and the whole queue drains.
// And a miner restarted with a new key: what it signed before still verifies.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatAmount, generateKeyPair } from '@aitbc/protocol';
import { loadOrCreateKeyFile } from '@aitbc/protocol/node';
import { AitbcClient } from '@aitbc/sdk';
import { DemoBackend } from '../src/backends/demo.ts';
import { OpenAiBackend } from '../src/backends/openai.ts';
import { MinerDaemon, type MinerEvent } from '../src/daemon.ts';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';
import { until } from '@aitbc/testkit';
import { startAitbc, stopWith } from '@aitbc/testkit/processes';
import { sendJson, startServer } from './backends/fake-server.ts';

const JOBS = 20;

/** Until `answering`, the model server takes generations and never answers them (the jobs stay held). */
let answering = false;
const hanging = new Set<ServerResponse>();
const fake = await startServer(({ method, path }, res) => {
  if (method === 'GET' && path === '/v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: 'm1', object: 'model' }] });
  if (!answering) {
    hanging.add(res);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const piece = { choices: [{ index: 0, delta: { content: 'done' }, finish_reason: 'stop' }] };
  const usage = { choices: [], usage: { prompt_tokens: 2, completion_tokens: 1 } };
  res.end(`data: ${JSON.stringify(piece)}\n\ndata: ${JSON.stringify(usage)}\n\ndata: [DONE]\n\n`);
});
after(() => fake.close());

test('a miner killed while holding jobs: its successor with the same id gets them re-queued at once, and the queue drains', async () => {
  const coordinator = await startTestCoordinator({ models: ['m1'], leaseSeconds: 600 });
  const dataDir = mkdtempSync(join(tmpdir(), 'aitbc-miner-restart-'));
  let daemon: MinerDaemon | null = null;
  try {
    const minerKey = await coordinator.createKey(['miner']);
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '100') });
    const jobs = [];
    for (let i = 0; i < JOBS; i++) jobs.push(await client.jobs.submit({ model: 'm1', prompt: `job ${i}`, max_price: '1' }));

    const minerArgs = ['--coordinator-url', coordinator.url, '--api-key', minerKey, '--miner-id', 'gpu-restart', '--max-concurrency', '2', '--data-dir', dataDir];
    const first = await startAitbc(['miner', ...minerArgs, '--backend', 'openai', '--backend-url', `${fake.url}/v1`], /"event":"registered"/);
    await until(() => hanging.size === 2, 'the first instance to run two jobs');
    const held = (await client.jobs.list({ status: 'running' })).items;
    assert.equal(held.length, 2);
    assert.ok(held.every((job) => job.miner_id === 'gpu-restart'));

    // Killed outright: it cannot hand anything back. Its leases would hold the jobs for 10 minutes.
    await stopWith(first.child, 'SIGKILL');
    for (const res of hanging) res.destroy();
    answering = true;

    const events: MinerEvent[] = [];
    daemon = new MinerDaemon({
      coordinatorUrl: coordinator.url,
      apiKey: minerKey,
      minerId: 'gpu-restart',
      keys: loadOrCreateKeyFile(join(dataDir, 'miner-key.json')),
      backend: new OpenAiBackend({ baseUrl: `${fake.url}/v1` }),
      pricePerToken: '0.001',
      maxConcurrency: 2,
      pollWaitSeconds: 1,
      heartbeatMs: 200,
      log: (event) => events.push(event),
    });
    await daemon.start();

    for (const job of jobs) await until(async () => (await client.jobs.get(job.job_id)).status === 'completed', `${job.job_id} to complete`, 60_000);
    for (const orphan of held) {
      const view = await client.jobs.get(orphan.job_id);
      assert.equal(view.attempts, 2, `${orphan.job_id} was run again after its first attempt died with the miner`);
      const result = (await client.jobs.result(orphan.job_id))!;
      assert.equal((await client.receipts.verify(result.receipt)).valid, true);
    }
    const takenBack = events.flatMap((event) => (event.event === 'jobs_lapsed' ? (event.job_ids as string[]) : event.event === 'job_handed_back' ? [event.job_id as string] : []));
    assert.deepEqual(takenBack.sort(), held.map((job) => job.job_id).sort(), 'the orphans, and only they, were taken back');
    assert.deepEqual(await client.account.get(), { account: 'alice', available: formatAmount(100_000_000n - BigInt(JOBS) * 3_000n), escrowed: '0', withdrawing: '0', disputable: '0' });
    await coordinator.assertLedger();
  } finally {
    await daemon?.stop();
    await coordinator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a miner restarted with a new key: receipts signed under the old key still verify through the SDK', async () => {
  const coordinator = await startTestCoordinator({ models: ['demo'] });
  try {
    const minerKey = await coordinator.createKey(['miner']);
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('bob', '10') });
    const results = [];
    for (const keys of [generateKeyPair(), generateKeyPair()]) {
      const daemon = new MinerDaemon({ coordinatorUrl: coordinator.url, apiKey: minerKey, minerId: 'gpu-rekey', keys, backend: new DemoBackend(), models: ['demo'], pricePerToken: '0.001', maxConcurrency: 1, pollWaitSeconds: 1, heartbeatMs: 200, log: () => undefined });
      await daemon.start();
      try {
        const job = await client.jobs.submit({ model: 'demo', prompt: 'hello', max_price: '1' });
        await until(async () => (await client.jobs.get(job.job_id)).status === 'completed', 'the job to complete');
        results.push((await client.jobs.result(job.job_id))!);
      } finally {
        await daemon.stop();
      }
    }
    assert.notEqual(results[0]!.receipt.signatures[0]!.key_id, results[1]!.receipt.signatures[0]!.key_id, 'two keys');
    for (const result of results) {
      assert.equal((await client.receipts.verify(result.receipt)).valid, true);
      assert.equal((await client.receipts.verifyRemote(result.receipt)).valid, true);
    }
    await coordinator.assertLedger();
  } finally {
    coordinator.app.server.closeAllConnections();
    await coordinator.close();
  }
});
