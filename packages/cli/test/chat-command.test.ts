// `aitbc chat` against a real coordinator and a miner driven by hand (what reached it is checked):
// in a pseudo-terminal, two turns where the second carries the first, answers shown while the job
// still runs, Ctrl-C stopping an answer and returning to the prompt, /exit; piped stdin as one
// message and one answer, as text and as JSON; errors with their exit codes, as text and as JSON.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatJob } from '@aitbc/protocol';
import { AitbcClient } from '@aitbc/sdk';
import { until } from '@aitbc/testkit';
import { startTestCoordinator, TestMiner } from '@aitbc/testkit/coordinator';
import { execAitbc, inTerminal, type Terminal } from '@aitbc/testkit/processes';
import { claimJob, dialStream, STREAM_MODEL, streamingMiner } from '@aitbc/testkit/streams';

/** Waits until the terminal shows the chat's prompt, idle, for the `nth` time. */
const atPrompt = (run: Terminal, nth: number) => until(() => run.screen().endsWith('>>> ') && run.screen().split('>>> ').length - 1 >= nth, `prompt number ${nth}`);

test('in a terminal: answers stream while the job runs, the second turn carries the first, Ctrl-C stops an answer, /exit leaves', async () => {
  const coordinator = await startTestCoordinator();
  let run: Terminal | undefined;
  try {
    const apiKey = await coordinator.createClient('alice', '10');
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey });
    const miner = await streamingMiner(coordinator.request, await coordinator.createKey(['miner']), 'gpu-chat', '0.001');
    run = inTerminal(['chat', '--model', STREAM_MODEL, '--system', 'Be brief.', '--max-price', '1', '--url', coordinator.url, '--api-key', apiKey]);
    await atPrompt(run, 1);

    run.type('Say hello\r');
    const first = await claimJob(miner);
    assert.deepEqual(chatJob.decode(first.prompt).messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello' },
    ]);
    const stream = await dialStream(coordinator.url, miner, first.job_id);
    await stream.text('Hello, ');
    await until(() => run!.screen().includes('Hello, '), 'the first piece on the terminal');
    assert.equal((await client.jobs.get(first.job_id)).status, 'running', 'shown while the job still runs');
    assert.doesNotMatch(run.screen(), /tokens/);
    await stream.text('you');
    await stream.end();
    assert.equal((await miner.complete(first.job_id, miner.completion(first, 'Hello, you'))).status, 200);
    await atPrompt(run, 2);
    assert.match(run.screen(), new RegExp(`Hello, you\\njob ${first.job_id}: 5 \\+ 7 tokens in \\d+\\.\\d s, price 0\\.012 AITBC\\n>>> $`));

    // The second turn sends the whole conversation; Ctrl-C mid-answer stops it and the prompt comes back.
    run.type('And again?\r');
    const second = await claimJob(miner);
    assert.deepEqual(chatJob.decode(second.prompt).messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello' },
      { role: 'assistant', content: 'Hello, you' },
      { role: 'user', content: 'And again?' },
    ]);
    const cut = await dialStream(coordinator.url, miner, second.job_id);
    await cut.text('Hel');
    await until(() => run!.screen().endsWith('Hel'), 'the piece on the terminal');
    run.type('\x03');
    await until(() => cut.received.some((message) => message.type === 'stop'), 'the miner told to stop');
    await atPrompt(run, 3);
    assert.match(run.screen(), new RegExp(`Hel(\\^C)?\\nstopped: job ${second.job_id} `));
    await cut.end();
    assert.equal((await miner.complete(second.job_id, miner.completion(second, 'Hel', { prompt_tokens: 2, completion_tokens: 1 }))).status, 200);
    assert.equal((await client.jobs.result(second.job_id))?.price, '0.003', 'paid for what it produced');

    run.type('/exit\r');
    assert.equal(await run.exited, 0, run.screen());
    assert.deepEqual([(await client.account.get()).available, (await client.account.get()).escrowed], ['9.985', '0']);
  } finally {
    run?.kill();
    await coordinator.assertLedger();
    await coordinator.close();
  }
});

test('in a terminal: Ctrl-C at an empty prompt exits 130, Ctrl-D exits 0', async () => {
  const coordinator = await startTestCoordinator();
  const runs: Terminal[] = [];
  try {
    const apiKey = await coordinator.createClient('alice', '10');
    const open = () => {
      const run = inTerminal(['chat', '--model', STREAM_MODEL, '--url', coordinator.url, '--api-key', apiKey]);
      runs.push(run);
      return run;
    };
    const interrupted = open();
    await atPrompt(interrupted, 1);
    interrupted.type('half a thought\x03'); // with text typed, Ctrl-C only drops the line
    await atPrompt(interrupted, 2);
    interrupted.type('\x03');
    assert.equal(await interrupted.exited, 130, interrupted.screen());

    const ended = open();
    await atPrompt(ended, 1);
    ended.type('\x04');
    assert.equal(await ended.exited, 0, ended.screen());
  } finally {
    for (const run of runs) run.kill();
    await coordinator.close();
  }
});

test('piped stdin is one message with one answer, as text or as JSON; on a devnet the model defaults to demo', async () => {
  const coordinator = await startTestCoordinator();
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-chat-'));
  try {
    const apiKey = await coordinator.createClient('alice', '10');
    const miner = await streamingMiner(coordinator.request, await coordinator.createKey(['miner']), 'gpu-chat', '0.001');
    const connection = ['--url', coordinator.url, '--api-key', apiKey];

    const asking = execAitbc(['chat', '--model', STREAM_MODEL, '--max-tokens', '20', ...connection], { input: 'What is 2+2?\n' });
    const claim = await claimJob(miner);
    assert.deepEqual(chatJob.decode(claim.prompt).messages, [{ role: 'user', content: 'What is 2+2?' }]);
    assert.equal(claim.params.max_tokens, 20);
    assert.equal((await miner.complete(claim.job_id, miner.completion(claim, 'Four.'))).status, 200);
    const answer = await asking;
    assert.equal(answer.status, 0, answer.stderr);
    assert.equal(answer.stdout, 'Four.\n', 'only the answer on stdout');
    assert.match(answer.stderr, new RegExp(`^job ${claim.job_id}: 5 \\+ 7 tokens in \\d+\\.\\d s, price 0\\.012 AITBC\\n$`));

    const asJson = execAitbc(['chat', '--model', STREAM_MODEL, '--json', ...connection], { input: 'Once more' });
    const again = await claimJob(miner);
    assert.equal((await miner.complete(again.job_id, miner.completion(again, 'Four.'))).status, 200);
    const json = await asJson;
    assert.equal(json.status, 0, json.stderr);
    const receiptId = (await new AitbcClient({ baseUrl: coordinator.url, apiKey }).jobs.result(again.job_id))?.receipt.receipt_id;
    const { elapsed_ms, ...facts } = JSON.parse(json.stdout);
    assert.ok(Number.isInteger(elapsed_ms));
    assert.deepEqual(facts, { content: 'Four.', job_id: again.job_id, receipt_id: receiptId, price: '0.012', finish_reason: 'stop', usage: { prompt_tokens: 5, completion_tokens: 7 } });

    // Beside a devnet's ./.aitbc/devnet.json, the URL, key and model (demo) come from there.
    const demoMiner = new TestMiner({ request: coordinator.request }, await coordinator.createKey(['miner']), 'gpu-demo', { demo: '0.001' });
    assert.equal((await demoMiner.register()).status, 201);
    mkdirSync(join(dir, '.aitbc'));
    writeFileSync(join(dir, '.aitbc', 'devnet.json'), JSON.stringify({ coordinator_url: coordinator.url, client_key: apiKey }));
    const onDevnet = execAitbc(['chat'], { input: 'hi', cwd: dir });
    const demoClaim = await claimJob(demoMiner);
    assert.equal(demoClaim.model, 'demo');
    assert.equal((await demoMiner.complete(demoClaim.job_id, demoMiner.completion(demoClaim, 'Hi there'))).status, 200);
    const demoAnswer = await onDevnet;
    assert.equal(demoAnswer.status, 0, demoAnswer.stderr);
    assert.equal(demoAnswer.stdout, 'Hi there\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await coordinator.assertLedger();
    await coordinator.close();
  }
});

test('errors exit with the CLI codes, as text on stderr or JSON on stdout', async () => {
  const coordinator = await startTestCoordinator();
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-chat-'));
  try {
    const connection = ['--url', coordinator.url, '--api-key', await coordinator.createClient('alice', '10')];
    const text = await execAitbc(['chat', '--model', 'no-such-model', ...connection], { input: 'hi' });
    assert.equal(text.status, 1);
    assert.equal(text.stdout, '');
    assert.match(text.stderr, /^error VALIDATION_INVALID_MODEL: Model 'no-such-model' is not offered by any online miner/);

    const json = await execAitbc(['chat', '--model', 'no-such-model', '--json', ...connection], { input: 'hi' });
    assert.equal(json.status, 1);
    assert.deepEqual([JSON.parse(json.stdout).error_code, JSON.parse(json.stdout).field, JSON.parse(json.stdout).exit_code], ['VALIDATION_INVALID_MODEL', 'model', 1]);

    const broke = await execAitbc(['chat', '--model', STREAM_MODEL, '--json', '--api-key', 'aitbc_wrong', '--url', coordinator.url], { input: 'hi' });
    assert.equal(broke.status, 3, broke.stdout);
    assert.equal(JSON.parse(broke.stdout).exit_code, 3);

    // No devnet here and no --model: a usage error; so is an empty stdin.
    const noModel = await execAitbc(['chat', '--json', ...connection], { input: 'hi', cwd: dir });
    assert.equal(noModel.status, 2);
    assert.equal(JSON.parse(noModel.stdout).error_code, 'CLI_USAGE');
    const empty = await execAitbc(['chat', '--model', STREAM_MODEL, ...connection], { input: '\n' });
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /stdin was empty/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await coordinator.close();
  }
});
