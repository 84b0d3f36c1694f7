// `npm run bench` (OpenAI part): the time to first token that AITBC adds. 200 streamed chat
// completions straight to an OpenAI-compatible model server, then 200 through the system —
// client → `aitbc coordinator` (its own process) → a miner daemon with the `openai` backend →
// the same server, and the pieces back over the miner's stream and the client's SSE. The server
// answers its first piece at once, so the difference is the system's own latency: submit and
// escrow, waking the long-polling miner, the claim, the miner's stream, the relay.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '@aitbc/protocol';
import { MinerDaemon, createBackend } from '@aitbc/miner';
import { jsonClient, spawnServer } from './load.ts';

const REQUESTS = 200;
const MODEL = 'bench-model';

/** An OpenAI-compatible server: the first piece at once, four more 2 ms apart, then usage. */
function modelServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url === '/v1/models') return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model' }] }));
    request.resume();
    request.on('end', async () => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const [index, content] of ['The', ' quick', ' brown', ' fox', '.'].entries()) {
        if (index > 0) await new Promise((resolve) => setTimeout(resolve, 2));
        response.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`);
      }
      response.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 4, completion_tokens: 5 } })}\n\n`);
      response.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server })));
}

/** Milliseconds from sending a streamed chat request to its first piece of content; reads the rest. */
async function firstToken(url: string, headers: Record<string, string>): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say something' }], stream: true }) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  const decoder = new TextDecoder();
  let seen = '';
  let first = 0;
  const reader = response.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    seen += decoder.decode(read.value, { stream: true });
    if (!first && /"content":"[^"]/.test(seen)) first = performance.now() - started;
  }
  if (!first) throw new Error(`no content came back from ${url}`);
  return first;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function measure(label: string, run: () => Promise<number>): Promise<{ median: number; p99: number }> {
  for (let i = 0; i < 10; i++) await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) times.push(await run());
  times.sort((a, b) => a - b);
  const result = { median: percentile(times, 50), p99: percentile(times, 99) };
  console.log(`ttft    ${label}: median ${result.median.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms over ${REQUESTS} streamed requests`);
  return result;
}

/** Milliseconds until a request that must be refused at once (422, `field`) is answered. */
async function refusalTime(label: string, url: string, headers: Record<string, string>, extra: Record<string, unknown>, field: string): Promise<void> {
  const once = async () => {
    const started = performance.now();
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...extra }) });
    const body = (await response.json()) as { field?: string };
    if (response.status !== 422 || body.field !== field) throw new Error(`${label}: expected 422 on ${field}, got ${response.status} ${JSON.stringify(body)}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 10; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) times.push(await once());
  times.sort((a, b) => a - b);
  console.log(`refuse  ${label}: median ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms over ${REQUESTS} requests`);
}

export async function benchTimeToFirstToken(): Promise<void> {
  const model = await modelServer();
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-bench-ttft-'));
  const admin = 'bench-admin';
  const cli = fileURLToPath(new URL('../packages/cli/bin/aitbc.js', import.meta.url));
  const { url, child } = await spawnServer([cli, 'coordinator', '--port', '0', '--db', join(dir, 'c.db'), '--admin-key', admin, '--log-level', 'silent']);
  let daemon: MinerDaemon | null = null;
  try {
    const call = jsonClient(url, 4);
    const clientKey = (await call('POST', '/v1/admin/keys', { scopes: ['client'], account: 'bench' }, { 'x-api-key': admin })).body.key;
    await call('POST', '/v1/admin/accounts/bench/credit', { amount: '1000' }, { 'x-api-key': admin });
    daemon = new MinerDaemon({
      coordinatorUrl: url,
      apiKey: (await call('POST', '/v1/admin/keys', { scopes: ['miner'] }, { 'x-api-key': admin })).body.key,
      minerId: 'bench-streamer',
      keys: generateKeyPair(),
      backend: createBackend('openai', { url: `${model.url}/v1` }),
      pricePerToken: '0.0001',
      maxConcurrency: 1,
      log: () => undefined,
    });
    await daemon.start();
    const direct = await measure('straight to the model server', () => firstToken(`${model.url}/v1/chat/completions`, {}));
    const through = await measure('through coordinator and miner', () => firstToken(`${url}/v1/chat/completions`, { authorization: `Bearer ${clientKey}` }));
    console.log(`ttft    added by AITBC: median ${(through.median - direct.median).toFixed(1)} ms, p99 ${(through.p99 - direct.p99).toFixed(1)} ms`);
    // Refusals: a capability the only miner's model lacks, and a price cap below its price.
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${clientKey}` };
    for (const [label, extra, field] of [
      ['a capability no online miner has (response_format json_object)', { response_format: { type: 'json_object' } }, 'response_format'],
      ['a price cap no online miner meets', { max_tokens: 100, max_price: '0.000001' }, 'max_price'],
    ] as const) {
      await refusalTime(label, `${url}/v1/chat/completions`, headers, extra, field);
    }
  } finally {
    await daemon?.stop();
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    model.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
