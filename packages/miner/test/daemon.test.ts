// The miner daemon against a real coordinator, with a scripted backend standing in for the model
// server: concurrency, signed completions, failures reported with the right retryability, cancel
// noticed through heartbeats, graceful stop, and riding out a coordinator that is not there yet.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@aitbc/protocol';
import { AitbcClient } from '@aitbc/sdk';
import { BackendError, promptTextOf, type Backend, type GenerateRequest, type GenerationEvent } from '../src/backends/backend.ts';
import { MinerDaemon, type MinerEvent } from '../src/daemon.ts';
import { buildApp, SqliteStore } from '@aitbc/coordinator';
import { freePort, until } from '@aitbc/testkit';
import { startTestCoordinator, type TestCoordinator } from '@aitbc/testkit/coordinator';

/** A backend whose behaviour per prompt is scripted by the test. */
class ScriptedBackend implements Backend {
  readonly name = 'scripted';
  active = 0;
  maxActive = 0;
  gates = new Map<string, Promise<void>>();

  async listModels(): Promise<string[]> {
    return ['m1'];
  }

  async *generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const prompt = promptTextOf(request.input);
    try {
      if (prompt.startsWith('missing')) throw new BackendError('model_not_found', `model ${request.model} is not installed`);
      if (prompt.startsWith('flaky')) throw new BackendError('unavailable', 'the model server answered 500');
      const gate = this.gates.get(prompt);
      if (gate) {
        await Promise.race([
          gate,
          new Promise((_, reject) => request.signal?.addEventListener('abort', () => reject(new BackendError('aborted', 'aborted')), { once: true })),
        ]);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      yield { type: 'text', text: 'echo: ' };
      yield { type: 'text', text: prompt };
      yield { type: 'done', usage: { promptTokens: 3, completionTokens: 4 } };
    } finally {
      this.active--;
    }
  }
}

let coordinator: TestCoordinator | null = null;
let daemon: MinerDaemon | null = null;

afterEach(async () => {
  await daemon?.stop();
  daemon = null;
  await coordinator?.assertLedger();
  await coordinator?.close();
  coordinator = null;
});

async function setUp(options: { maxConcurrency?: number; shutdownGraceMs?: number } = {}) {
  coordinator = await startTestCoordinator({ models: ['m1'], leaseSeconds: 30 });
  const backend = new ScriptedBackend();
  const events: MinerEvent[] = [];
  daemon = new MinerDaemon({
    coordinatorUrl: coordinator.url,
    apiKey: await coordinator.createKey(['miner']),
    minerId: 'daemon-1',
    keys: generateKeyPair(),
    backend,
    pricePerToken: '0.01',
    maxConcurrency: options.maxConcurrency ?? 2,
    pollWaitSeconds: 1,
    heartbeatMs: 100,
    shutdownGraceMs: options.shutdownGraceMs ?? 5_000,
    log: (event) => events.push(event),
  });
  await daemon.start();
  const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '100') });
  return { backend, events, client, coordinator };
}

test('runs jobs up to max_concurrency at once and completes each with a receipt that verifies', async () => {
  const { backend, client } = await setUp({ maxConcurrency: 2 });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  for (const prompt of ['a', 'b', 'c']) backend.gates.set(prompt, gate);
  const jobs = await Promise.all(['a', 'b', 'c'].map((prompt) => client.jobs.submit({ model: 'm1', prompt, max_price: '1' })));
  await until(() => backend.active === 2, 'two jobs running');
  release();
  for (const job of jobs) {
    await until(async () => (await client.jobs.get(job.job_id)).status === 'completed', `${job.job_id} completed`);
    const result = (await client.jobs.result(job.job_id))!;
    assert.match(result.output, /^echo: [abc]$/);
    assert.equal(result.price, '0.07');
    assert.equal((await client.receipts.verify(result.receipt)).valid, true);
  }
  assert.equal(backend.maxActive, 2, 'never more than max_concurrency');
});

test('with several free slots it claims jobs in one batch poll, and completions that finish together go in one batch', async () => {
  const { backend, client, coordinator } = await setUp({ maxConcurrency: 4 });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const prompts = ['a', 'b', 'c', 'd'];
  for (const prompt of prompts) backend.gates.set(prompt, gate);
  const { results } = await client.jobs.submitMany(prompts.map((prompt) => ({ model: 'm1', prompt, max_price: '1' })));
  await until(() => backend.active === 4, 'four jobs running');
  release();
  for (const result of results) {
    assert.ok('job' in result);
    await until(async () => (await client.jobs.get(result.job.job_id)).status === 'completed', `${result.job.job_id} completed`);
  }
  const metrics = (await coordinator.request('GET', '/metrics')).text;
  const count = (route: string) => Number(new RegExp(`^aitbc_http_request_duration_seconds_count\\{method="POST",route="${route}",status="200"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
  assert.equal(count('/v1/miners/poll'), 0, 'no single polls while slots were free');
  assert.ok(count('/v1/miners/poll/batch') >= 1);
  // The first to finish goes alone; the ones finishing while it is sent go in one batch.
  assert.equal(count('/v1/jobs/:id/complete') + count('/v1/jobs/complete/batch') < 4, true, 'fewer completion requests than jobs');
  assert.ok(count('/v1/jobs/complete/batch') >= 1);
});

test('a missing model fails the job for good; a flaky server sends it back to the queue', async () => {
  const { client, events } = await setUp({ maxConcurrency: 1 });
  const missing = await client.jobs.submit({ model: 'm1', prompt: 'missing model', max_price: '1' });
  await until(async () => (await client.jobs.get(missing.job_id)).status === 'failed', 'failed');
  assert.match((await client.jobs.get(missing.job_id)).error ?? '', /model m1 is not installed/);

  const flaky = await client.jobs.submit({ model: 'm1', prompt: 'flaky server', max_price: '1' });
  await until(async () => (await client.jobs.get(flaky.job_id)).status === 'failed', 'failed after 3 attempts');
  const view = await client.jobs.get(flaky.job_id);
  assert.equal(view.attempts, 3, 'retryable failures were retried until attempts ran out');
  assert.ok(events.some((event) => event.event === 'job_failed' && event.retryable === true));
  assert.deepEqual(await client.account.get(), { account: 'alice', available: '100', escrowed: '0', withdrawing: '0', disputable: '0' });
});

test('a job cancelled while it runs is stopped through the heartbeat, and nobody is paid', async () => {
  const { backend, client, events } = await setUp();
  backend.gates.set('long', new Promise(() => undefined));
  const job = await client.jobs.submit({ model: 'm1', prompt: 'long', max_price: '1' });
  await until(() => backend.active === 1, 'running');
  await client.jobs.cancel(job.job_id);
  await until(() => backend.active === 0, 'generation aborted');
  assert.ok(events.some((event) => event.event === 'job_failed' && event.job_id === job.job_id));
  assert.equal((await client.jobs.get(job.job_id)).status, 'cancelled');
});

test('stop() hands back a job it cannot finish in the grace period: re-queued, not abandoned', async () => {
  const { backend, client } = await setUp({ shutdownGraceMs: 100 });
  backend.gates.set('endless', new Promise(() => undefined));
  const job = await client.jobs.submit({ model: 'm1', prompt: 'endless', max_price: '1' });
  await until(() => backend.active === 1, 'running');
  await daemon!.stop();
  daemon = null;
  const view = await client.jobs.get(job.job_id);
  assert.equal(view.status, 'queued', 'back in the queue at once, without waiting for the lease');
  assert.match(view.error ?? '', /miner shutting down/);
});

test('starts before the coordinator and connects once it is up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-miner-'));
  const dbPath = join(dir, 'coordinator.db');
  const open = async () => {
    const store = new SqliteStore({ path: dbPath });
    return { store, ...(await buildApp({ store, config: { adminKey: 'admin', models: ['m1'] } })) };
  };
  // An operator made the miner a key earlier; the coordinator is down when the miner starts.
  let server = await open();
  const key = (await server.app.inject({ method: 'POST', url: '/v1/admin/keys', headers: { 'x-api-key': 'admin' }, payload: { scopes: ['miner'] } })).json().key as string;
  await server.app.close();
  await server.store.close();
  const port = await freePort();

  const events: MinerEvent[] = [];
  const early = new MinerDaemon({
    coordinatorUrl: `http://127.0.0.1:${port}`,
    apiKey: key,
    minerId: 'early',
    keys: generateKeyPair(),
    backend: new ScriptedBackend(),
    pricePerToken: '0.01',
    maxConcurrency: 1,
    pollWaitSeconds: 1,
    log: (event) => events.push(event),
  });
  const starting = early.start();
  await until(() => events.some((event) => event.event === 'coordinator_unreachable'), 'a reconnect attempt');
  server = await open();
  await server.app.listen({ port, host: '127.0.0.1' });
  try {
    await starting;
    assert.ok(events.some((event) => event.event === 'registered'));
    assert.equal((await server.app.inject({ method: 'GET', url: '/v1/miners/early' })).json().status, 'online');
    await early.stop();
  } finally {
    await server.app.close();
    await server.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
