// `aitbc miner` as a GPU owner runs it: a separate process that registers, serves jobs with the
// demo backend, keeps its signing key across restarts, and on SIGTERM leaves cleanly.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAitbc, startAitbc, stopWith } from '@aitbc/testkit/processes';
import { AitbcClient } from '@aitbc/sdk';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';

const dir = mkdtempSync(join(tmpdir(), 'aitbc-miner-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const startMiner = (url: string, key: string) =>
  startAitbc(['miner', '--coordinator-url', url, '--api-key', key, '--miner-id', 'cli-miner', '--data-dir', join(dir, 'miner'), '--price', '0.001'], /"event":"registered"/, { cwd: dir }).then((started) => ({
    child: started.child,
    log: started.output,
  }));
const stopped = (child: ChildProcess) => stopWith(child);

test('--model-digest and --model-file advertise the weights an OpenAI-compatible server runs; misuse is refused', async () => {
  const coordinator = await startTestCoordinator();
  try {
    const minerKey = await coordinator.createKey(['miner']);
    const weights = join(dir, 'qwen.gguf');
    writeFileSync(weights, 'GGUF weights of qwen');
    const given = `sha256:${'5e'.repeat(32)}`;
    const base = ['miner', '--coordinator-url', coordinator.url, '--api-key', minerKey, '--miner-id', 'cli-openai', '--data-dir', join(dir, 'openai-miner')];
    // Models named, so the (absent) server is not asked for its list before the first job.
    const started = await startAitbc(
      [...base, '--backend', 'openai', '--backend-url', 'http://127.0.0.1:9/v1', '--models', 'qwen,llama', '--model-file', `qwen=${weights}`, '--model-digest', `llama=${given}`, '--capabilities', 'chat,tools,json_schema', '--context-length', '32768'],
      /"event":"registered"/,
      { cwd: dir },
    );
    const registered = await new AitbcClient({ baseUrl: coordinator.url }).miners.get('cli-openai');
    assert.deepEqual(registered.digests, { qwen: `sha256:${createHash('sha256').update('GGUF weights of qwen').digest('hex')}`, llama: given });
    // What the operator said the server's models can do, for every offered model.
    const registration = JSON.parse(started.output().split('\n').find((line) => line.includes('"event":"registered"'))!) as { capabilities: unknown };
    const told = { capabilities: ['chat', 'tools', 'json_schema'], context_length: 32768 };
    assert.deepEqual(registration.capabilities, { qwen: told, llama: told });
    assert.equal(await stopped(started.child), 0);

    for (const [args, message] of [
      [['--backend', 'demo', '--model-digest', `demo=${given}`], /are for --backend openai/],
      [['--backend', 'openai', '--backend-url', 'http://127.0.0.1:9/v1', '--model-digest', 'qwen=sha256:12'], /not sha256: and 64 hex digits/],
      [['--backend', 'openai', '--backend-url', 'http://127.0.0.1:9/v1', '--model-file', 'qwen'], /--model-file wants model=value/],
      [['--backend', 'demo', '--capabilities', 'tools'], /--capabilities is for --backend openai/],
      [['--backend', 'ollama', '--context-length', '8192'], /--context-length is for --backend openai/],
      [['--backend', 'openai', '--backend-url', 'http://127.0.0.1:9/v1', '--capabilities', 'chat,telepathy'], /unknown capability 'telepathy'/],
    ] as const) {
      const run = runAitbc([...base, ...args], { cwd: dir });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, message);
    }
  } finally {
    await coordinator.close();
  }
});

test('serves jobs with the demo backend, keeps its key, and stops on SIGTERM', async () => {
  const coordinator = await startTestCoordinator();
  try {
    const minerKey = await coordinator.createKey(['miner']);
    let miner = await startMiner(coordinator.url, minerKey);
    const registered = await new AitbcClient({ baseUrl: coordinator.url }).miners.get('cli-miner');
    assert.deepEqual(registered.models, ['demo', 'demo-embed']);
    const keyFile = JSON.parse(readFileSync(join(dir, 'miner', 'miner-key.json'), 'utf8'));
    assert.equal(registered.public_key, keyFile.public_key);

    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '10'), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 100))) });
    const result = await client.jobs.run({ model: 'demo', prompt: 'Alice was beginning', max_price: '1', params: { max_tokens: 12, seed: 7 } });
    assert.equal(result.usage.completion_tokens, 12);
    assert.equal((await client.receipts.verify(result.receipt)).valid, true);
    assert.deepEqual([result.receipt.version, result.receipt.backend, result.receipt.model_digest], [2, 'demo', registered.digests.demo], 'a version-2 receipt naming the advertised demo digest');

    assert.equal(await stopped(miner.child), 0);
    assert.match(miner.log(), /"event":"stopped"/);

    miner = await startMiner(coordinator.url, minerKey);
    assert.equal((await new AitbcClient({ baseUrl: coordinator.url }).miners.get('cli-miner')).public_key, keyFile.public_key, 'same key after a restart');
    assert.equal(await stopped(miner.child), 0);
    await coordinator.assertLedger();
  } finally {
    await coordinator.close();
  }
});
