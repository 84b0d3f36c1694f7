// client.chat.stream against a real coordinator and a miner that streams by hand: the pieces come
// while the job still runs, they join to the paid output, the conversation reaches the miner as
// sent; aborting stops the job (paid for what it produced); refusals and a miner dying mid-answer
// throw the SDK's error classes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatJob } from '@aitbc/protocol';
import { until } from '@aitbc/testkit';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';
import { claimJob, dialStream, STREAM_MODEL, streamingMiner } from '@aitbc/testkit/streams';
import { AitbcClient, AitbcError, NetworkError, ValidationError, type ChatTurn } from '../src/index.ts';

test('chat.stream yields the pieces before the job ends; joined they are the paid result; the outcome follows', async () => {
  const coordinator = await startTestCoordinator();
  try {
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '10') });
    const miner = await streamingMiner(coordinator.request, await coordinator.createKey(['miner']), 'gpu-s', '0.001');
    const messages: ChatTurn[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello' },
      { role: 'assistant', content: 'Hello?' },
      { role: 'user', content: 'Again' },
    ];

    const answer = client.chat.stream({ model: STREAM_MODEL, messages, max_price: '1', max_tokens: 50 });
    const pieces: string[] = [];
    const reading = (async () => {
      for await (const piece of answer) pieces.push(piece);
    })();
    const claim = await claimJob(miner);
    assert.deepEqual(chatJob.decode(claim.prompt).messages, messages, 'the whole conversation reached the miner');
    assert.equal(claim.params.max_tokens, 50);
    const stream = await dialStream(coordinator.url, miner, claim.job_id);
    await stream.text('Hel');
    await until(() => pieces.length === 1, 'the first piece');
    assert.equal((await client.jobs.get(claim.job_id)).status, 'running', 'the piece came while the job ran');
    assert.equal(answer.jobId, claim.job_id);
    assert.equal(answer.outcome, undefined, 'no outcome before the end');
    await stream.text('lo');
    await stream.end();
    assert.equal((await miner.complete(claim.job_id, miner.completion(claim, 'Hello'))).status, 200);
    await reading;

    const result = await client.jobs.result(claim.job_id);
    assert.deepEqual(pieces, ['Hel', 'lo']);
    assert.equal(pieces.join(''), result?.output);
    assert.deepEqual(answer.outcome, {
      job_id: claim.job_id,
      receipt_id: result?.receipt.receipt_id,
      price: '0.012',
      finish_reason: 'stop',
      usage: { prompt_tokens: 5, completion_tokens: 7 },
      text: 'Hello',
    });
    assert.equal(result?.price, '0.012');
  } finally {
    await coordinator.assertLedger();
    await coordinator.close();
  }
});

test('aborting the signal stops the answer: the miner is told to stop and the client pays for what it produced', async () => {
  const coordinator = await startTestCoordinator();
  try {
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '10') });
    const miner = await streamingMiner(coordinator.request, await coordinator.createKey(['miner']), 'gpu-s', '0.001');
    const hangUp = new AbortController();
    const answer = client.chat.stream({ model: STREAM_MODEL, messages: [{ role: 'user', content: 'Talk a lot' }], max_price: '1', signal: hangUp.signal });
    const pieces: string[] = [];
    const reading = (async () => {
      for await (const piece of answer) pieces.push(piece);
    })();
    const claim = await claimJob(miner);
    const stream = await dialStream(coordinator.url, miner, claim.job_id);
    await stream.text('Partial');
    await until(() => pieces.length === 1, 'the piece');
    hangUp.abort();
    const thrown = await reading.then(() => null, (error: unknown) => error);
    assert.ok(thrown instanceof Error && thrown.name === 'AbortError', String(thrown));
    assert.equal(answer.outcome, undefined);
    assert.equal(answer.jobId, claim.job_id, 'the job id stays known, to look the job up');

    await until(() => stream.received.some((message) => message.type === 'stop'), 'the miner told to stop');
    await stream.end();
    assert.equal((await miner.complete(claim.job_id, miner.completion(claim, 'Partial', { prompt_tokens: 2, completion_tokens: 1 }))).status, 200);
    assert.equal((await client.jobs.result(claim.job_id))?.price, '0.003', 'paid for 3 tokens, not the escrowed 1');
    assert.deepEqual([(await client.account.get()).available, (await client.account.get()).escrowed], ['9.997', '0']);

    // Aborted while still queued (no miner polls): nothing runs and the escrow comes back.
    const early = new AbortController();
    const queued = client.chat.stream({ model: STREAM_MODEL, messages: [{ role: 'user', content: 'never mind' }], max_price: '1', signal: early.signal });
    const waiting = (async () => {
      for await (const _ of queued);
    })();
    await until(async () => (await client.account.get()).escrowed === '1', 'the job escrowed');
    early.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    await until(async () => (await client.account.get()).escrowed === '0', 'the escrow refunded');
    assert.equal((await client.account.get()).available, '9.997');
  } finally {
    await coordinator.assertLedger();
    await coordinator.close();
  }
});

test('a refused request and a miner dying mid-answer throw the SDK error classes', async () => {
  const coordinator = await startTestCoordinator();
  try {
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '10') });
    const miner = await streamingMiner(coordinator.request, await coordinator.createKey(['miner']), 'gpu-s', '0.001');

    const unknown = client.chat.stream({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] });
    await assert.rejects(
      (async () => {
        for await (const _ of unknown);
      })(),
      (error: unknown) => error instanceof ValidationError && error.errorCode === 'VALIDATION_INVALID_MODEL' && error.field === 'model',
    );
    assert.equal(unknown.jobId, undefined);

    const pieces: string[] = [];
    const failing = (async () => {
      for await (const piece of client.chat.stream({ model: STREAM_MODEL, messages: [{ role: 'user', content: 'hi' }], max_price: '1' })) pieces.push(piece);
    })();
    const claim = await claimJob(miner);
    const broken = await dialStream(coordinator.url, miner, claim.job_id);
    await broken.text('half');
    broken.socket.terminate(); // the miner dies mid-job
    const error = await failing.then(() => null, (thrown: unknown) => thrown);
    assert.ok(error instanceof AitbcError && !(error instanceof NetworkError), String(error));
    assert.deepEqual(pieces, ['half']);
    assert.deepEqual([(await client.account.get()).available, (await client.account.get()).escrowed], ['10', '0'], 'the failed job refunded');
  } finally {
    await coordinator.assertLedger();
    await coordinator.close();
  }
});
