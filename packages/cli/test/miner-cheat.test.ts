// `aitbc miner --cheat`: the test-only dishonest miner is the real daemon in a real process. Its
// wrong answers complete with validly signed receipts (nothing catches them until canaries and
// re-execution do), it says loudly what it is, and it runs only with the demo backend.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAitbc, startAitbc, stopWith } from '@aitbc/testkit/processes';
import { AitbcClient } from '@aitbc/sdk';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';
import { DemoBackend, countTokens } from '@aitbc/miner';

const dir = mkdtempSync(join(tmpdir(), 'aitbc-miner-cheat-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What the honest demo backend answers: the text and usage a cheater's job is compared with. */
async function honestAnswer(prompt: string, seed: number, maxTokens: number) {
  let text = '';
  let usage;
  for await (const event of new DemoBackend().generate({ model: 'demo', input: { kind: 'text', input: { prompt } }, seed, maxTokens })) {
    if (event.type === 'text') text += event.text;
    else if (event.type === 'done') usage = { prompt_tokens: event.usage.promptTokens, completion_tokens: event.usage.completionTokens };
  }
  return { text, usage };
}

test('--cheat random: a warned-about miner whose random answers complete with valid signed receipts', async () => {
  const coordinator = await startTestCoordinator();
  try {
    const minerKey = await coordinator.createKey(['miner']);
    const miner = await startAitbc(
      ['miner', '--coordinator-url', coordinator.url, '--api-key', minerKey, '--miner-id', 'cheater', '--data-dir', join(dir, 'cheater'), '--backend', 'demo', '--cheat', 'random', '--cheat-seed', '3'],
      /"event":"registered"/,
      { cwd: dir },
    );
    assert.match(miner.output(), /WARNING: TEST-ONLY CHEATING MINER\. --cheat random: 100% of jobs after the first 0 \(seed 3\)/);
    const advertised = (await new AitbcClient({ baseUrl: coordinator.url }).miners.get('cheater')).digests;
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '10'), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 100))) });

    for (const [prompt, seed] of [['Alice was beginning', 7], ['The Queen said', 8], ['Down the rabbit hole', 9]] as const) {
      const result = await client.jobs.run({ model: 'demo', prompt, max_price: '1', params: { max_tokens: 12, seed } });
      const honest = await honestAnswer(prompt, seed, 12);
      assert.notEqual(result.output, honest.text, 'not what the demo model answers');
      assert.equal(countTokens(result.output), countTokens(honest.text), 'as many words as the honest answer');
      assert.deepEqual(result.usage, honest.usage, 'billed as if it had run');
      assert.equal((await client.receipts.verify(result.receipt)).valid, true);
      assert.deepEqual([result.receipt.version, result.receipt.model_digest], [2, advertised.demo], 'signing the digest it advertised');
    }
    assert.equal(await stopWith(miner.child), 0);
    assert.equal(miner.output().match(/"event":"job_cheated"/g)?.length, 3, 'each cheated job is logged');
    await coordinator.assertLedger();
  } finally {
    await coordinator.close();
  }
});

test('--cheat is refused with another backend, without a mode or with a rate out of range, and stays out of --help', () => {
  const base = ['miner', '--coordinator-url', 'http://127.0.0.1:9', '--api-key', 'unused', '--data-dir', join(dir, 'refused')];
  for (const [args, message] of [
    [['--backend', 'ollama', '--cheat', 'random'], /--cheat is a test-only mode of --backend demo; it is refused with the ollama backend/],
    [['--backend', 'openai', '--backend-url', 'http://127.0.0.1:9/v1', '--cheat', 'truncate'], /refused with the openai backend/],
    [['--cheat-rate', '0.5'], /--cheat-rate needs --cheat <mode>/],
    [['--cheat-after', '10'], /--cheat-after needs --cheat <mode>/],
    [['--cheat', 'random', '--cheat-rate', '1.5'], /expected a share from 0 to 1/],
    [['--cheat', 'sloppy'], /Allowed choices are wrong-model, truncate, random/],
  ] as const) {
    const run = runAitbc([...base, ...args], { cwd: dir });
    assert.notEqual(run.status, 0, args.join(' '));
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stderr, /WARNING/, 'refused before it announces anything');
  }
  const help = runAitbc(['miner', '--help'], { cwd: dir });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--backend <kind>/);
  assert.doesNotMatch(help.stdout, /cheat/i);
});
