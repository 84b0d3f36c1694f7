// Any OpenAI client buys compute from AITBC by changing the base URL: the official `openai`
// package against a real coordinator and a real miner daemon, whose backend the test gates to
// show the first piece reaching the client before the miner has finished. Every request is an
// ordinary job: escrowed, receipted, paid; a client that leaves pays for what was produced; a
// miner that dies mid-stream gives the client an error event and the job is refunded.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { formatAmount, generateKeyPair, hashText, parseAmount } from '@aitbc/protocol';
import { BackendError, type Backend, type GenerateRequest, type GenerationEvent } from '../src/backends/backend.ts';
import { MinerDaemon } from '../src/daemon.ts';
import { startTestCoordinator, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { until } from '@aitbc/testkit';

const PIECES = ['Hello', ' from', ' AITBC', ' miners', '.'];
const PRICE = '0.001';

/** Yields PIECES; when `hold` is set it waits after the first piece until the test lets it go on. */
class GatedBackend implements Backend {
  readonly name = 'gated';
  hold = false;
  finished = false;
  private release: () => void = () => undefined;

  async listModels() {
    return ['gated'];
  }

  letGo(): void {
    this.release();
  }

  async *generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    this.finished = false;
    for (const [index, piece] of PIECES.entries()) {
      if (index === 1 && this.hold) {
        await new Promise<void>((resolve, reject) => {
          this.release = resolve;
          request.signal?.addEventListener('abort', () => reject(new BackendError('aborted', 'aborted')), { once: true });
        });
      }
      yield { type: 'text', text: piece };
    }
    this.finished = true;
    yield { type: 'done', usage: { promptTokens: 3, completionTokens: PIECES.length } };
  }
}

let coordinator: TestCoordinator;
let daemon: MinerDaemon;
const backend = new GatedBackend();

before(async () => {
  // Load shedding is not under test here; compiling the openai SDK at start-up lags the event loop.
  coordinator = await startTestCoordinator();
  daemon = new MinerDaemon({
    coordinatorUrl: coordinator.url,
    apiKey: await coordinator.createKey(['miner']),
    minerId: 'gated-miner',
    keys: generateKeyPair(),
    backend,
    pricePerToken: PRICE,
    maxConcurrency: 2,
    pollWaitSeconds: 1,
    log: () => undefined,
  });
  await daemon.start();
});

after(async () => {
  backend.letGo();
  await daemon.stop();
  await coordinator.close();
});

const openaiFor = (apiKey: string) => new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey, maxRetries: 0 });
const available = async (account: string) => (await coordinator.store.getAccount(account)).availableMicro;

test('a chat completion, whole: the answer, usage, job and receipt headers, and the price charged', async () => {
  backend.hold = false;
  const openai = openaiFor(await coordinator.createClient('chat-whole', '10'));
  const { data, response } = await openai.chat.completions.create({ model: 'gated', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 50 }).withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.choices[0]!.message.content, PIECES.join(''));
  assert.equal(data.choices[0]!.finish_reason, 'stop');
  assert.deepEqual(data.usage, { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
  const jobId = response.headers.get('x-job-id')!;
  const receiptId = response.headers.get('x-receipt-id')!;
  const receipt = (await coordinator.store.getReceipt(receiptId))!;
  assert.equal(receipt.jobId, jobId);
  assert.equal(receipt.receipt.output_hash, hashText(PIECES.join('')));
  assert.equal(await available('chat-whole'), parseAmount('10') - 8n * parseAmount(PRICE), 'charged units × price, the rest of the escrow refunded');
  await coordinator.assertLedger();
});

test('a streamed chat completion: the first piece arrives before the miner has finished; usage in the last chunk', async () => {
  backend.hold = true;
  const openai = openaiFor(await coordinator.createClient('chat-stream', '10'));
  const stream = await openai.chat.completions.create({ model: 'gated', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }], stream: true, stream_options: { include_usage: true } });
  let text = '';
  let sawFirstBeforeFinish = false;
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | null | undefined;
  let receiptId: string | undefined;
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta?.content ?? '';
    if (delta && text === '') {
      sawFirstBeforeFinish = !backend.finished;
      backend.letGo();
    }
    text += delta;
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
    receiptId ??= (chunk as unknown as { aitbc?: { receipt_id: string } }).aitbc?.receipt_id;
  }
  assert.ok(sawFirstBeforeFinish, 'the first piece reached the client while the miner was still generating');
  assert.equal(text, PIECES.join(''));
  assert.equal(finish, 'stop');
  assert.deepEqual(usage, { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
  const receipt = (await coordinator.store.getReceipt(receiptId!))!;
  assert.equal(receipt.receipt.output_hash, hashText(text), 'the receipt covers the whole streamed output');
  await coordinator.assertLedger();
});

test('completions, whole and streamed, and the model list in OpenAI shape', async () => {
  backend.hold = false;
  const openai = openaiFor(await coordinator.createClient('completions', '10'));
  const whole = await openai.completions.create({ model: 'gated', prompt: 'Once upon a time', max_tokens: 20 });
  assert.equal(whole.object, 'text_completion');
  assert.equal(whole.choices[0]!.text, PIECES.join(''));
  let streamed = '';
  for await (const chunk of await openai.completions.create({ model: 'gated', prompt: 'Once upon a time', stream: true })) streamed += chunk.choices[0]?.text ?? '';
  assert.equal(streamed, PIECES.join(''));
  const models = await openai.models.list();
  const gated = models.data.find((model) => model.id === 'gated');
  assert.equal(gated?.object, 'model');
  assert.equal((gated as unknown as { miners_online: number }).miners_online, 1, 'AITBC extras stay beside OpenAI fields');
});

test('insufficient balance surfaces as the SDK error class with the seed code readable', async () => {
  const openai = openaiFor(await coordinator.createClient('broke', '0.000001'));
  await assert.rejects(
    openai.chat.completions.create({ model: 'gated', messages: [{ role: 'user', content: 'hi' }], max_price: '1' } as never),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 402);
      assert.equal(error.code, 'PAYMENT_INSUFFICIENT_BALANCE');
      assert.equal(error.type, 'insufficient_quota');
      assert.match(error.message, /available; this job escrows max_price 1/);
      return true;
    },
  );
  const bad = await fetch(`${coordinator.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: '{}' });
  const body = await bad.json();
  assert.equal(bad.status, 401);
  assert.deepEqual(Object.keys(body).sort(), ['detail', 'error', 'error_code', 'request_id'], 'the seed envelope with OpenAI error beside it');
  assert.deepEqual(body.error, { message: body.detail, type: 'authentication_error', code: body.error_code, param: null });
});

test('a client that disconnects mid-stream stops the miner and pays only for what was produced', async () => {
  backend.hold = true;
  const before = await available('leaver').catch(() => 0n);
  const openai = openaiFor(await coordinator.createClient('leaver', '10'));
  assert.equal(before, 0n);
  const prompt = 'Tell me a long story';
  const stream = await openai.chat.completions.create({ model: 'gated', messages: [{ role: 'user', content: prompt }], stream: true });
  let jobId = '';
  for await (const chunk of stream) {
    jobId = chunk.id.replace(/^chatcmpl-/, '');
    if (chunk.choices[0]?.delta?.content) break; // leaves the loop: the SDK aborts the request
  }
  await until(async () => (await coordinator.store.getJob(jobId))?.status === 'completed', 'the stopped job to complete');
  const job = (await coordinator.store.getJob(jobId))!;
  assert.equal(job.output, PIECES[0], 'only the piece produced before the stop');
  const units = BigInt(Math.ceil(prompt.length / 4) + 1);
  assert.equal(job.priceMicro, units * parseAmount(PRICE));
  assert.equal(formatAmount(await available('leaver')), formatAmount(parseAmount('10') - units * parseAmount(PRICE)));
  await coordinator.assertLedger();
});

test('a miner that dies mid-stream: the client gets an error event and the job is refunded', async () => {
  backend.hold = true;
  const openai = openaiFor(await coordinator.createClient('orphan', '10'));
  const stream = await openai.chat.completions.create({ model: 'gated', messages: [{ role: 'user', content: 'hi' }], stream: true });
  let text = '';
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content ?? '';
        text += delta;
        // The miner's connection drops after its first piece, as if its process died.
        if (delta) for (const socket of coordinator.app.websocketServer.clients) socket.terminate();
      }
    })(),
    (error: unknown) => error instanceof OpenAI.APIError && error.code === 'SYSTEM_UPSTREAM_ERROR' && /refunded/.test(error.message),
  );
  assert.equal(text, PIECES[0]);
  assert.equal(await available('orphan'), parseAmount('10'), 'the whole escrow is back');
  backend.letGo();
  await coordinator.assertLedger();
});
