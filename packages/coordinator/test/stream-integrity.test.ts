// What a client is shown is what it pays for: a miner that streams one text and completes with a
// receipt for another is refused and the client is refunded, also when the client left midway;
// a bug in a stream handler, listener or timer never reaches the process.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmount } from '@aitbc/protocol';
import { startTestCoordinator, type TestCoordinator, type TestMiner } from '@aitbc/testkit/coordinator';
import { until } from '@aitbc/testkit';
import { claimJob, dialStream, errorEvent, openChatStream, readEvents, streamingMiner, streamThenComplete } from '@aitbc/testkit/streams';

let coordinator: TestCoordinator;
let miner: TestMiner;
/** Anything that escaped to the process; a listener here keeps the runner alive to say so. */
const escaped: unknown[] = [];
const record = (error: unknown) => escaped.push(error);

before(async () => {
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  coordinator = await startTestCoordinator();
  miner = await streamingMiner(coordinator.request, await coordinator.createKey(['miner']), 'stream-miner');
});

after(async () => {
  await coordinator.close();
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
});

const available = async (account: string) => (await coordinator.store.getAccount(account)).availableMicro;

test('a completion whose output is not what was streamed is refused: the job fails and the client pays nothing', async () => {
  const key = await coordinator.createClient('yes-no', '10');
  const { reader, claim, answer: refused } = await streamThenComplete({ url: coordinator.url, key }, miner, coordinator.url, 'YES', 'NO');
  assert.equal(claim.stream, true, 'the miner is told a client waits on the stream');
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error_code, 'VALIDATION_INVALID_FORMAT');
  assert.equal(refused.body.field, 'output');
  assert.match(refused.body.detail, /exactly the text streamed .*3 characters were relayed/);

  await reader.done;
  assert.equal(reader.text(), 'YES');
  const error = errorEvent(reader.events);
  assert.equal(error?.error_code, 'SYSTEM_UPSTREAM_ERROR');
  assert.match(error!.detail, /not the 3 characters it streamed.*refunded/);
  assert.equal(reader.events.at(-1), '[DONE]');
  assert.equal((await coordinator.store.getJob(claim.job_id))?.status, 'failed');
  assert.equal(await available('yes-no'), parseAmount('10'), 'no receipt covers YES, so nothing is charged');
  const late = await miner.complete(claim.job_id, miner.completion(claim, 'YES'));
  assert.equal(late.body.error_code, 'JOB_INVALID_STATUS', 'the failed job takes no completion afterwards');
  await coordinator.assertLedger();
});

test('a client that left midway: a completion equal to what was streamed is paid, one with more text is refused', async () => {
  const key = await coordinator.createClient('leaver', '10');
  const outcomes: number[] = [];
  for (const output of ['YES', 'YES, and then some']) {
    const { answer } = await streamThenComplete({ url: coordinator.url, key }, miner, coordinator.url, 'YES', output, true);
    outcomes.push(answer.status);
    if (answer.status !== 200) assert.equal(answer.body.field, 'output');
  }
  assert.deepEqual(outcomes, [200, 422]);
  // 12 units at 0.000001 for the first job; the second, refused, is refunded whole.
  assert.equal(await available('leaver'), parseAmount('10') - 12n * parseAmount('0.000001'));
  await coordinator.assertLedger();
});

test('a throwing stream listener, relay or store check is logged and contained: the process and the other streams go on', async () => {
  const key = await coordinator.createClient('unlucky', '10');
  const reader = readEvents(await openChatStream(coordinator.url, key, 'Hello'));
  const claim = await claimJob(miner);
  const { hub } = coordinator.services;
  const { store } = coordinator;
  // A second watcher of the job whose listener is broken: it is dropped, the client still gets pieces.
  hub.watch(claim.job_id, true, () => {
    throw new Error('a broken watcher');
  });
  const stream = await dialStream(coordinator.url, miner, claim.job_id);
  await stream.text('first');
  await until(() => reader.text() === 'first', 'the first piece past the broken watcher');
  // Then the waiter's periodic store check fails for a while (a timer callback that rejects).
  // Only now: the stream route itself reads the job while it admits the miner's socket.
  const getJob = store.getJob.bind(store);
  store.getJob = async (jobId) => {
    if (jobId === claim.job_id) throw new Error('disk trouble');
    return getJob(jobId);
  };
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // at least one failing store check
  store.getJob = getJob;
  // The relay itself throws, as concatenating past the engine's string limit once did.
  const text = hub.text.bind(hub);
  hub.text = (jobId, piece) => {
    if (piece === 'boom') throw new RangeError('Invalid string length');
    return text(jobId, piece);
  };
  try {
    await stream.text('boom');
    const closed = await stream.closed;
    assert.equal(closed.code, 1011, 'the stream whose handler failed is closed');
  } finally {
    hub.text = text;
  }
  assert.equal(stream.received.find((message) => message.error_code)?.error_code, 'SYSTEM_INTERNAL_ERROR');
  await reader.done;
  assert.equal(errorEvent(reader.events)?.error_code, 'SYSTEM_UPSTREAM_ERROR');
  assert.equal(await available('unlucky'), parseAmount('10'), 'the failed job is refunded');
  assert.deepEqual(escaped, [], 'nothing reached the process');

  // The coordinator carries on: the next streamed request works end to end.
  const next = readEvents(await openChatStream(coordinator.url, key, 'Again'));
  const second = await claimJob(miner);
  const honest = await dialStream(coordinator.url, miner, second.job_id);
  await honest.text('fine');
  await honest.end();
  assert.equal((await miner.complete(second.job_id, miner.completion(second, 'fine'))).status, 200);
  await next.done;
  assert.equal(next.text(), 'fine');
  await coordinator.assertLedger();
});
