// A model server whose errors name its own address, the paths on its machine and other hosts:
// none of it may reach the client (job status, result, SDK, `aitbc job status`), while the
// miner's own log keeps the whole story for its operator.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { AitbcClient } from '@aitbc/sdk';
import OpenAI from 'openai';
import { generateKeyPair } from '@aitbc/protocol';
import { OllamaBackend } from '../src/backends/ollama.ts';
import { OpenAiBackend } from '../src/backends/openai.ts';
import type { Backend } from '../src/backends/backend.ts';
import { MinerDaemon, type MinerEvent } from '../src/daemon.ts';
import { startTestCoordinator, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { until } from '@aitbc/testkit';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AITBC } from '@aitbc/testkit/processes';
import { refusedUrl, sendJson, startServer } from './backends/fake-server.ts';

/** Answers every generation with an error that names the server's URL, a file path and an internal host. */
const fake = await startServer(({ method, path, headers }, res) => {
  const self = `http://${headers.host}`;
  if (method === 'GET' && (path === '/v1/models' || path === '/api/tags')) {
    return sendJson(res, 200, { object: 'list', data: [{ id: 'm1' }], models: [{ name: 'm1' }] });
  }
  const message = `upstream ${self}${path} failed: cannot mmap /srv/models/m1.gguf, backup at gpu-7.corp.internal:9000`;
  return path.startsWith('/api/') ? sendJson(res, 500, { error: message }) : sendJson(res, 500, { error: { message, type: 'InternalServerError' } });
});
after(() => fake.close());
const { port } = new URL(fake.url);

function assertNothingPrivate(text: string, where: string): void {
  for (const secret of [fake.url, `127.0.0.1`, `:${port}`, '/srv/models', 'gpu-7.corp.internal', '/v1/chat', '/api/chat']) {
    assert.ok(!text.includes(secret), `${where} must not contain ${secret}: ${text}`);
  }
}

/**
 * The miner's aborted long-poll can leave a socket that never sent a request; the server counts
 * it as busy until its 60 s header timeout. Nothing is in flight once the miner stopped.
 */
async function close(coordinator: TestCoordinator): Promise<void> {
  coordinator.app.server.closeAllConnections();
  await coordinator.close();
}

/** A coordinator and a started miner daemon on `backend`, with a funded client key. */
async function marketOn(backend: Backend) {
  const coordinator = await startTestCoordinator({ models: ['m1'] });
  const events: MinerEvent[] = [];
  const daemon = new MinerDaemon({
    coordinatorUrl: coordinator.url,
    apiKey: await coordinator.createKey(['miner']),
    minerId: 'private-1',
    keys: generateKeyPair(),
    backend,
    models: ['m1'],
    pricePerToken: '0.01',
    maxConcurrency: 1,
    pollWaitSeconds: 1,
    heartbeatMs: 200,
    log: (event) => events.push(event),
  });
  const clientKey = await coordinator.createClient('alice', '10');
  await daemon.start();
  return { coordinator, daemon, clientKey, events };
}

async function failedJobThrough(backend: Backend) {
  const { coordinator, daemon, clientKey, events } = await marketOn(backend);
  const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: clientKey });
  try {
    const job = await client.jobs.submit({ model: 'm1', prompt: 'hello', max_price: '1' });
    await until(async () => (await client.jobs.get(job.job_id)).status === 'failed', 'the job to fail after its attempts');
    return { coordinator, client, clientKey, jobId: job.job_id, events };
  } finally {
    await daemon.stop();
  }
}

for (const [name, backend] of [
  ['openai', new OpenAiBackend({ baseUrl: `${fake.url}/v1` })],
  ['ollama', new OllamaBackend({ baseUrl: fake.url })],
] as const) {
  test(`${name} backend: a model server error naming its URL reaches the client without it`, async () => {
    const { coordinator, client, clientKey, jobId, events } = await failedJobThrough(backend);
    try {
      const view = await client.jobs.get(jobId);
      assert.match(view.error ?? '', /failed: cannot mmap \[redacted\]/, 'what went wrong is still said');
      assertNothingPrivate(view.error ?? '', 'the job status');
      const result = await coordinator.request('GET', `/v1/jobs/${jobId}/result`, { key: clientKey });
      assert.equal(result.body.error_code, 'JOB_INVALID_STATUS');
      assertNothingPrivate(result.text, 'the result answer');
      // Not spawnSync: the coordinator answering it runs in this process.
      const cli = await promisify(execFile)(process.execPath, [AITBC, 'job', 'status', jobId, '--url', coordinator.url, '--api-key', clientKey]);
      assert.match(cli.stdout, /failed/);
      assertNothingPrivate(cli.stdout + cli.stderr, '`aitbc job status`');

      // The operator's log has everything.
      const failures = events.filter((event) => event.event === 'job_failed');
      assert.equal(failures.length, 3, 'one per attempt');
      for (const failure of failures) {
        assertNothingPrivate(String(failure.reason), 'the reason sent');
        assert.match(String(failure.detail), new RegExp(`${fake.url.replace(/[.]/g, '\\.')}.*/srv/models/m1\\.gguf`));
      }
      await coordinator.assertLedger();
    } finally {
      await close(coordinator);
    }
  });
}

test('a model server that cannot be reached: the transport error reaches the client without its address', async () => {
  const gone = await refusedUrl();
  const { coordinator, client, jobId, events } = await failedJobThrough(new OpenAiBackend({ baseUrl: `${gone}/v1`, timeoutMs: 5_000 }));
  try {
    const error = (await client.jobs.get(jobId)).error ?? '';
    assert.ok(!error.includes(new URL(gone).port) && !error.includes('127.0.0.1'), error);
    assert.ok(events.some((event) => event.event === 'job_failed' && String(event.detail).includes(gone)));
  } finally {
    await close(coordinator);
  }
});

test('through the OpenAI routes: the error message and the stream error event name no server', async () => {
  const { coordinator, daemon, clientKey, events } = await marketOn(new OpenAiBackend({ baseUrl: `${fake.url}/v1` }));
  const openai = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: clientKey, maxRetries: 0 });
  const request = { model: 'm1', messages: [{ role: 'user' as const, content: 'hello' }] };
  try {
    const whole = await openai.chat.completions.create(request).then(
      () => assert.fail('the request succeeded'),
      (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
    );
    assert.ok(whole instanceof OpenAI.APIError);
    assert.equal(whole.code, 'SYSTEM_UPSTREAM_ERROR');
    assert.match(whole.message, /failed: cannot mmap \[redacted\]/, 'what went wrong is still said');
    assertNothingPrivate(JSON.stringify(whole.error), 'the OpenAI error');

    const stream = await openai.chat.completions.create({ ...request, stream: true });
    const streamed = await (async () => {
      for await (const chunk of stream) void chunk;
    })().then(
      () => assert.fail('the stream ended without an error'),
      (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
    );
    assert.ok(streamed instanceof OpenAI.APIError);
    assert.match(streamed.message, /refunded/);
    assertNothingPrivate(JSON.stringify(streamed.error) + streamed.message, 'the stream error event');
    assert.ok(events.some((event) => event.event === 'job_failed' && String(event.detail).includes('/srv/models/m1.gguf')), "the operator's log keeps the path");
    await coordinator.assertLedger();
  } finally {
    await daemon.stop();
    await close(coordinator);
  }
});
