// The daemon's side of the job-kinds wire contract, against a stand-in coordinator that sends
// claims with `kind` (the real coordinator gains it separately): it registers what each model
// can do, decodes chat and embedding inputs, completes with tool_calls or embeddings beside the
// text, and signs a receipt whose output hash is the job type's canonical output.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chatJob, embeddingJob, generateKeyPair, hashText, jobType, verifyReceiptSignature, type Receipt, type ToolCall } from '@aitbc/protocol';
import { DemoBackend } from '../src/backends/demo.ts';
import { MinerDaemon } from '../src/daemon.ts';
import { sendJson, startServer } from './backends/fake-server.ts';

const claims: Record<string, unknown>[] = [];
const outstanding = new Set<string>();
const completions = new Map<string, Record<string, unknown>>();
const failures = new Map<string, Record<string, unknown>>();
let registration: Record<string, unknown> | undefined;

function claim(jobId: string, model: string, kind: string | undefined, prompt: string): Record<string, unknown> {
  const at = new Date().toISOString();
  return {
    job_id: jobId,
    model,
    ...(kind ? { kind } : {}),
    prompt,
    params: { max_tokens: 8, seed: 42 },
    max_price: '1',
    unit_price: '0.001',
    deadline: at,
    claimed_at: at,
    lease_expires_at: at,
    attempt: 1,
    client: 'alice',
    stream: false,
    receipt_template: { version: 1, chain_id: 'aitbc-test', job_id: jobId, client: 'alice', provider: 'coordinator', miner_id: 'kinds-1', model, unit_type: 'tokens', unit_price: '0.001', nonce: jobId, prompt_hash: hashText(prompt) },
  };
}

const coordinator = await startServer(async ({ path, body }, res) => {
  const request = body as Record<string, unknown>;
  if (path === '/v1/miners/register') {
    registration = request;
    return sendJson(res, 200, { miner_id: request['miner_id'] });
  }
  if (path === '/v1/miners/heartbeat') return sendJson(res, 200, { miner_id: 'kinds-1', status: 'online', running_jobs: [...outstanding], lapsed_jobs: [], lease_expires_at: null });
  if (path === '/v1/miners/poll') {
    const next = claims.shift();
    if (!next) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      res.writeHead(204);
      return void res.end();
    }
    outstanding.add(next['job_id'] as string);
    return sendJson(res, 200, next);
  }
  const [, jobId, action] = /^\/v1\/jobs\/([^/]+)\/(complete|fail)$/.exec(path) ?? [];
  if (!jobId) return sendJson(res, 404, {});
  outstanding.delete(jobId);
  (action === 'complete' ? completions : failures).set(jobId, request);
  return sendJson(res, 200, { job_id: jobId, status: action === 'complete' ? 'completed' : 'failed', price: '0.001', receipt: request['receipt'] });
});
after(() => coordinator.close());

const CHAT = chatJob.encode({
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }],
});
const EMBED = embeddingJob.encode({ input: ['the white rabbit', 'the queen'], dimensions: 16 });

test('chat, embedding and kind-less text jobs complete with their outputs and receipts hashed by job type', async () => {
  claims.push(claim('job-chat', 'demo', 'chat', CHAT), claim('job-embed', 'demo-embed', 'embedding', EMBED), claim('job-text', 'demo', undefined, 'Alice was beginning'), claim('job-bad', 'demo', 'embedding', EMBED));
  const keys = generateKeyPair();
  const daemon = new MinerDaemon({ coordinatorUrl: coordinator.url, apiKey: 'k', minerId: 'kinds-1', keys, backend: new DemoBackend(), pricePerToken: '0.001', maxConcurrency: 1, pollWaitSeconds: 1, heartbeatMs: 100, log: () => undefined });
  await daemon.start();
  try {
    for (let i = 0; i < 200 && completions.size + failures.size < 4; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  } finally {
    await daemon.stop();
  }
  assert.deepEqual(registration!['capabilities'], {
    demo: { capabilities: ['completion', 'chat', 'tools', 'json_mode', 'json_schema'] },
    'demo-embed': { capabilities: ['embeddings'] },
  });
  const receiptOf = (jobId: string) => completions.get(jobId)!['receipt'] as Receipt;
  for (const jobId of ['job-chat', 'job-embed', 'job-text']) assert.ok(verifyReceiptSignature(receiptOf(jobId), 'miner', keys.publicKey), `${jobId} is signed`);

  const chat = completions.get('job-chat')!;
  const calls = chat['tool_calls'] as ToolCall[];
  assert.equal(chat['output'], '');
  assert.equal(calls[0]!.function.name, 'get_weather');
  assert.equal(typeof (JSON.parse(calls[0]!.function.arguments) as { city: unknown }).city, 'string');
  assert.equal('embeddings' in chat, false);
  assert.equal(receiptOf('job-chat').output_hash, hashText(jobType('chat').outputText({ text: '', tool_calls: calls })));

  const embed = completions.get('job-embed')!;
  const vectors = embed['embeddings'] as number[][];
  assert.deepEqual([embed['output'], vectors.length, vectors[0]!.length], ['', 2, 16]);
  assert.deepEqual(embed['usage'], { prompt_tokens: 5, completion_tokens: 0 });
  assert.equal(receiptOf('job-embed').output_hash, hashText(jobType('embedding').outputText({ text: '', embeddings: vectors })));
  assert.equal(receiptOf('job-embed').units, '5');

  const text = completions.get('job-text')!;
  assert.equal((text['output'] as string).trim().split(/\s+/).length, 8);
  assert.equal('tool_calls' in text, false);
  assert.equal(receiptOf('job-text').output_hash, hashText(text['output'] as string));

  // An embedding job for a model that makes none fails for good, with the reason.
  assert.deepEqual([failures.get('job-bad')!['retryable'], failures.get('job-bad')!['reason']], [false, 'the demo model "demo" makes no embeddings; use "demo-embed"']);
});
