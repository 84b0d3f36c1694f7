// `aitbc job submit --wait` in a real terminal (a pseudo-terminal from util-linux `script`): the
// output appears as the miner streams it, before the job ends, with tokens and time at the end;
// Ctrl-C (the terminal's ^C, not a signal sent by hand) cancels a queued job and refunds its
// escrow, or says how to fetch a running one, and exits 130.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AitbcClient } from '@aitbc/sdk';
import { until } from '@aitbc/testkit';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';
import { aitbcInTerminal } from '@aitbc/testkit/processes';
import { claimJob, dialStream, STREAM_MODEL, streamingMiner } from '@aitbc/testkit/streams';

test('the output streams into the terminal before the job ends; tokens, time and receipt follow', async () => {
  const coordinator = await startTestCoordinator();
  const terminal = { kill: () => undefined } as { kill(): void };
  try {
    const apiKey = await coordinator.createClient('alice', '10');
    const miner = await streamingMiner(coordinator.request, await coordinator.createKey(['miner']), 'gpu-stream', '0.001');
    const run = aitbcInTerminal(['job', 'submit', '--model', STREAM_MODEL, '--prompt', 'greet me', '--max-price', '1', '--wait', '--url', coordinator.url, '--api-key', apiKey]);
    Object.assign(terminal, run);
    const claim = await claimJob(miner);
    const stream = await dialStream(coordinator.url, miner, claim.job_id);
    await stream.text('Hello, ');
    await until(() => run.screen().includes('Hello, '), 'the first piece on the terminal');
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey });
    assert.equal((await client.jobs.get(claim.job_id)).status, 'running', 'shown while the job still runs');
    assert.doesNotMatch(run.screen(), /tokens/);
    await stream.text('world');
    await until(() => run.screen().includes('Hello, world'), 'the second piece');
    await stream.end();
    assert.equal((await miner.complete(claim.job_id, miner.completion(claim, 'Hello, world'))).status, 200);
    assert.equal(await run.exited, 0, run.screen());
    assert.match(run.screen(), new RegExp(`Hello, world\\n\\njob ${claim.job_id}: 5 \\+ 7 tokens in \\d+\\.\\d s, price 0\\.012 AITBC\\nreceipt rcpt-[0-9a-f]+: verified`));
  } finally {
    terminal.kill();
    await coordinator.assertLedger();
    await coordinator.close();
  }
});

test('Ctrl-C on a queued job cancels it and refunds the escrow; on a running one says how to fetch it', async () => {
  const coordinator = await startTestCoordinator();
  const terminals: { kill(): void }[] = [];
  try {
    const apiKey = await coordinator.createClient('alice', '10');
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey });
    const submit = (...extra: string[]) => {
      const run = aitbcInTerminal(['job', 'submit', '--model', STREAM_MODEL, '--prompt', 'wait for me', '--max-price', '2', '--wait', '--url', coordinator.url, '--api-key', apiKey, ...extra]);
      terminals.push(run);
      return run;
    };

    const miner = await streamingMiner(coordinator.request, await coordinator.createKey(['miner']), 'gpu-stream', '0.001');
    const queued = submit();
    await until(async () => (await client.account.get()).escrowed === '2', 'the job escrowed');
    await until(() => /waiting for a miner/.test(queued.screen()), 'the CLI to show the job');
    queued.type('\x03');
    assert.equal(await queued.exited, 130, queued.screen());
    assert.match(queued.screen(), /Ctrl-C: job job-\S+ was still queued: cancelled, its escrow of 2 AITBC refunded/);
    assert.deepEqual([(await client.account.get()).available, (await client.account.get()).escrowed], ['10', '0']);
    assert.equal((await client.jobs.list()).items[0]?.status, 'cancelled');

    // Pinned to a miner, the job is polled instead of streamed: Ctrl-C cancels it the same way.
    const pinned = submit('--miner-id', 'gpu-stream');
    await until(() => /job-\S+ queued/.test(pinned.screen()), 'the CLI to show the pinned job queued');
    pinned.type('\x03');
    assert.equal(await pinned.exited, 130, pinned.screen());
    assert.match(pinned.screen(), /Ctrl-C: job job-\S+ was still queued: cancelled, its escrow of 2 AITBC refunded/);
    assert.equal((await client.account.get()).available, '10');

    // Running: the miner holds it, so the CLI says where to fetch what it produced.
    const running = submit();
    const claim = await claimJob(miner);
    const stream = await dialStream(coordinator.url, miner, claim.job_id);
    await stream.text('Partial');
    await until(() => running.screen().includes('Partial'), 'the piece on the terminal');
    running.type('\x03');
    assert.equal(await running.exited, 130, running.screen());
    assert.match(running.screen(), new RegExp(`Ctrl-C: job ${claim.job_id} is running on gpu-stream: .*aitbc job result ${claim.job_id}`));
    // The miner is told to stop and reports what it produced: the client pays for that only.
    await until(() => stream.received.some((message) => message.type === 'stop'), 'the miner told to stop');
    await stream.end();
    assert.equal((await miner.complete(claim.job_id, miner.completion(claim, 'Partial', { prompt_tokens: 2, completion_tokens: 1 }))).status, 200);
    assert.equal((await client.jobs.result(claim.job_id))?.output, 'Partial');
  } finally {
    for (const terminal of terminals) terminal.kill();
    await coordinator.assertLedger();
    await coordinator.close();
  }
});
