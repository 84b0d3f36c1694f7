// Stopping the coordinator while streams are open: close() must not wait on a miner's socket, an
// event stream or an idle connection (it once took 30 to 70 s after a streamed request). The
// client still waiting hears why, and its job is cancelled and refunded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import OpenAI from 'openai';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';
import { until } from '@aitbc/testkit';
import { claimJob, dialStream, errorEvent, openChatStream, readEvents, STREAM_MODEL, streamingMiner } from '@aitbc/testkit/streams';

/** Far above a prompt close and far below the 30 s a close handshake nobody answers takes. */
const CLOSE_DEADLINE_MS = 10_000;
/** How long any step may take before the test names it as the one that hung (a whole-file timeout says nothing). */
const STEP_DEADLINE_MS = 30_000;

function within<T>(promise: Promise<T>, step: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${step}: still waiting after ${STEP_DEADLINE_MS} ms`)), STEP_DEADLINE_MS)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

test('close() returns promptly with a stream in flight and after a streamed failure; the waiting client is told and refunded', async () => {
  const coordinator = await startTestCoordinator();
  const { app, services, store } = coordinator;
  try {
    const miner = await streamingMiner(coordinator.request, await coordinator.createKey(['miner']), 'shutdown-miner');
    const key = await coordinator.createClient('stopping', '10');

    // A streamed request, through the official client, whose job fails on its miner mid-stream;
    // the miner leaves its stream socket open.
    const openai = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: key, maxRetries: 0 });
    const failing = await within(openai.chat.completions.create({ model: STREAM_MODEL, messages: [{ role: 'user', content: 'fail me' }], stream: true, max_price: '1' } as never), 'the failing request to be answered');
    const failedClaim = await within(claimJob(miner), 'the first claim');
    const failedStream = await within(dialStream(coordinator.url, miner, failedClaim.job_id), 'the first stream socket');
    await within(failedStream.text('partial'), 'the first piece');
    assert.equal((await within(miner.fail(failedClaim.job_id, 'backend crashed'), 'the failure report')).status, 200);
    await within(assert.rejects(
      async () => {
        for await (const _chunk of failing as unknown as AsyncIterable<unknown>);
      },
      (error: unknown) => error instanceof OpenAI.APIError && error.code === 'SYSTEM_UPSTREAM_ERROR',
    ), 'the failed stream to end with its error');

    // A streamed request in flight: its miner has sent a piece and is still generating.
    const reader = readEvents(await within(openChatStream(coordinator.url, key, 'in flight'), 'the second request to be answered'));
    const claim = await within(claimJob(miner), 'the second claim');
    const stream = await within(dialStream(coordinator.url, miner, claim.job_id), 'the second stream socket');
    await within(stream.text('half'), 'the second piece');
    await until(() => reader.text() === 'half', 'the first piece to reach the client');

    // A connection a client opened and has not used yet (HTTP clients keep such spares).
    const spare = connect(Number(new URL(coordinator.url).port), '127.0.0.1');
    await new Promise((resolve) => spare.once('connect', resolve));
    spare.on('error', () => undefined);

    services.signal.close();
    await services.sweeper.stop();
    let deadline: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([app.close().then(() => 'closed'), new Promise((resolve) => (deadline = setTimeout(resolve, CLOSE_DEADLINE_MS, 'still waiting')))]);
    clearTimeout(deadline);
    assert.equal(outcome, 'closed', 'close() waits on no stream, socket or idle connection');

    await within(reader.done, "the waiting client's stream to end");
    assert.equal(errorEvent(reader.events)?.error_code, 'SYSTEM_MAINTENANCE', 'the waiting client is told the coordinator is stopping');
    assert.equal(reader.events.at(-1), '[DONE]');
    assert.equal((await store.getJob(claim.job_id))?.status, 'cancelled');
    assert.equal((await store.getJob(failedClaim.job_id))?.status, 'failed');
    assert.equal((await store.getAccount('stopping')).availableMicro, 10_000_000n, 'both jobs refunded whole');
    await within(Promise.all([stream.closed, failedStream.closed]), "the miner's stream sockets to close");
    assert.ok(spare.destroyed || spare.readableEnded || (await within(new Promise((resolve) => spare.once('close', resolve)).then(() => true), 'the idle connection to close')));
    await within(coordinator.assertLedger(), 'the ledger audit');
  } finally {
    // Closing again is harmless: the app and store are closed once.
    await within(coordinator.close(), 'the coordinator (store included) to close');
  }
});
