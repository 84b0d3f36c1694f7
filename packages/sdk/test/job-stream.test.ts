// client.jobs.stream against a real coordinator: the job id first, the text pieces as the miner
// sends them, then the outcome; a miner that breaks its stream surfaces as the SDK's error (the
// job failed and refunded), not as a silent end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AitbcClient, AitbcError, NetworkError, type JobStreamEvent } from '../src/index.ts';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';
import { claimJob, dialStream, STREAM_MODEL, streamingMiner } from '@aitbc/testkit/streams';

test('jobs.stream yields submitted, the pieces and done; a broken miner stream throws the job error', async () => {
  const coordinator = await startTestCoordinator();
  try {
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '10') });
    const miner = await streamingMiner(coordinator.request, await coordinator.createKey(['miner']), 'gpu-s', '0.001');

    const events: JobStreamEvent[] = [];
    const reading = (async () => {
      for await (const event of client.jobs.stream({ model: STREAM_MODEL, prompt: 'hi', max_price: '1' })) events.push(event);
    })();
    const claim = await claimJob(miner);
    const stream = await dialStream(coordinator.url, miner, claim.job_id);
    await stream.text('Hel');
    await stream.text('lo');
    await stream.end();
    assert.equal((await miner.complete(claim.job_id, miner.completion(claim, 'Hello'))).status, 200);
    await reading;
    assert.deepEqual(events.slice(0, 3), [{ type: 'submitted', job_id: claim.job_id }, { type: 'text', text: 'Hel' }, { type: 'text', text: 'lo' }]);
    const done = events[3];
    assert.ok(done?.type === 'done');
    assert.deepEqual([done.job_id, done.price, done.usage], [claim.job_id, '0.012', { prompt_tokens: 5, completion_tokens: 7 }]);
    assert.equal((await client.jobs.result(claim.job_id))?.receipt.receipt_id, done.receipt_id);

    const pieces: string[] = [];
    const failing = (async () => {
      for await (const event of client.jobs.stream({ model: STREAM_MODEL, prompt: 'again', max_price: '1' })) if (event.type === 'text') pieces.push(event.text);
    })();
    const second = await claimJob(miner);
    const broken = await dialStream(coordinator.url, miner, second.job_id);
    await broken.text('half');
    broken.socket.terminate(); // the miner dies mid-job
    const error = await failing.then(() => null, (thrown: unknown) => thrown);
    assert.ok(error instanceof AitbcError && !(error instanceof NetworkError), String(error));
    assert.deepEqual(pieces, ['half']);
    assert.deepEqual([(await client.account.get()).available, (await client.account.get()).escrowed], ['9.988', '0'], 'the failed job refunded');
  } finally {
    await coordinator.assertLedger();
    await coordinator.close();
  }
});
