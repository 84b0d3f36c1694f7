// The README's promise, end to end, as a new user would type it: `aitbc devnet` in one terminal,
// `aitbc job submit --model demo --prompt "hello" --wait` in another, and the output, the price
// and a verified receipt come back; the receipt is then settled in a block, the miner's balance
// on chain rises by exactly the price, and the clearing address holds exactly what the books say.
// Both servers tell the web app where the other is. Then Ctrl-C, a restart that keeps the data,
// and a clear error for a port that is taken.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { formatAmount, parseAmount } from '@aitbc/protocol';
import { runAitbc, startAitbc, stopWith } from '@aitbc/testkit/processes';
import { freePort, until } from '@aitbc/testkit';

const home = mkdtempSync(join(tmpdir(), 'aitbc-devnet-'));
after(() => rmSync(home, { recursive: true, force: true }));

const devnet = (port: number, chainPort: number) =>
  startAitbc(['devnet', '--port', String(port), '--chain-port', String(chainPort)], /Try:/, { cwd: home }).then((started) => ({ child: started.child, stdout: started.output() }));
const aitbc = (...args: string[]) => runAitbc(args, { cwd: home });
const interrupt = (child: ChildProcess) => stopWith(child, 'SIGINT');
const getJson = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { headers });
  return { status: response.status, body: (await response.json()) as any };
};

test('devnet, then a job from the command line: output, price and a verified receipt', async () => {
  const port = await freePort();
  const chainPort = await freePort();
  const first = await devnet(port, chainPort);
  assert.match(first.stdout, /demo client {2}account demo, 1000 AITBC available \(deposited on chain/);
  const checksFunds = /checks {7}account verification pays canaries and re-executions \((\d+) AITBC deposited at first start\)/.exec(first.stdout);
  assert.ok(checksFunds, first.stdout);
  const file = JSON.parse(readFileSync(join(home, '.aitbc', 'devnet.json'), 'utf8'));
  for (const field of ['coordinator_url', 'chain_url', 'clearing_address', 'admin_key', 'client_key', 'miner_id']) assert.ok(file[field], field);
  // The web app finds both servers from either one (GET /web-config.json).
  const both = { coordinator_url: file.coordinator_url, chain_url: file.chain_url };
  assert.deepEqual((await getJson(`${file.coordinator_url}/web-config.json`)).body, both);
  assert.deepEqual((await getJson(`${file.chain_url}/web-config.json`)).body, both);
  const payout = (await getJson(`${file.coordinator_url}/v1/miners/${file.miner_id}`)).body.payout_address as string;
  const balanceOf = async (address: string) => parseAmount((await getJson(`${file.chain_url}/rpc/accounts/${address}`)).body.balance);
  const minerBefore = await balanceOf(payout);

  const run = aitbc('job', 'submit', '--model', 'demo', '--prompt', 'hello', '--wait');
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /price \d+(\.\d+)? AITBC/);
  assert.match(run.stdout, /receipt rcpt-[0-9a-f]{32}: verified \(.*miner_signature, coordinator_signature.*\)/);

  const listed = aitbc('job', 'list', '--json');
  const jobs = JSON.parse(listed.stdout).items;
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0].status, 'completed');

  // On chain: the receipt settled in a block, the miner paid exactly the price, and the clearing
  // address holding exactly the clients' money plus unsettled earnings.
  const receiptId = jobs[0].receipt_id;
  const settled = await until(async () => {
    const answer = await getJson(`${file.chain_url}/rpc/receipts/${receiptId}`);
    return answer.status === 200 && answer.body;
  }, 'the receipt in a block');
  assert.equal(settled.receipt.receipt_id, receiptId);
  assert.ok((await getJson(`${file.chain_url}/rpc/blocks/${settled.block_height}`)).body.receipts.some((r: { receipt_id: string }) => r.receipt_id === receiptId));
  assert.equal(formatAmount((await balanceOf(payout)) - minerBefore), jobs[0].price, "the miner's on-chain balance rose by exactly the price");
  const books = await until(async () => {
    const view = (await getJson(`${file.coordinator_url}/v1/admin/chain`, { 'x-api-key': file.admin_key })).body;
    return view.outbox.length === 0 && view.difference === '0' && view;
  }, 'the books to match the chain');
  const account = JSON.parse(aitbc('account', '--json').stdout);
  // The clearing address also holds the verification account's deposit, whole: with one miner no
  // check job can run (a re-run needs another owner's miner, and the canary pool is empty).
  const clients = parseAmount(account.available) + parseAmount(account.escrowed) + parseAmount(checksFunds[1]!);
  assert.equal(books.on_chain_balance, formatAmount(clients + parseAmount(books.books.unsettled_earnings)));
  const checked = aitbc('coordinator', 'check-ledger', '--db', join(home, '.aitbc', 'coordinator.db'), '--chain-url', file.chain_url);
  assert.equal(checked.status, 0, checked.stdout + checked.stderr);
  assert.match(checked.stdout, /ledger OK\n[^]*chain OK/);

  // A zero-knowledge proof of the receipt, anchored on the devnet chain by a fresh wallet (fee 0).
  const proved = aitbc('receipt', 'prove', receiptId);
  assert.equal(proved.status, 0, proved.stdout + proved.stderr);
  const walletEnv = { ...process.env, AITBC_WALLET_PASSPHRASE: 'devnet e2e passphrase', AITBC_NODE_URL: file.chain_url };
  assert.equal(runAitbc(['wallet', 'create', 'prover'], { cwd: home, env: walletEnv }).status, 0);
  const anchored = runAitbc(['wallet', 'anchor', 'prover', '--proof', `${receiptId}.proof.json`], { cwd: home, env: walletEnv });
  assert.equal(anchored.status, 0, anchored.stdout + anchored.stderr);
  const proven = await until(async () => {
    const answer = await getJson(`${file.chain_url}/rpc/receipts/${receiptId}`);
    return answer.body.proven && answer.body;
  }, 'the proof in a block');
  assert.ok(proven.proof_block_height > settled.block_height);
  const twice = runAitbc(['wallet', 'anchor', 'prover', '--proof', `${receiptId}.proof.json`], { cwd: home, env: walletEnv });
  assert.equal(twice.status, 1);
  assert.match(twice.stderr, /already proven/);

  // Receipts: verified by id; a tampered copy in a file is refused with the failing checks named.
  const verified = aitbc('receipt', 'verify', receiptId);
  assert.equal(verified.status, 0, verified.stderr);
  assert.match(verified.stdout, new RegExp(`^${receiptId}: verified`));
  const receipt = JSON.parse(aitbc('receipt', 'show', receiptId, '--json').stdout);
  const tamperedPath = join(home, 'tampered.json');
  writeFileSync(tamperedPath, JSON.stringify({ ...receipt, price: '999' }));
  const refused = aitbc('receipt', 'verify', tamperedPath);
  assert.equal(refused.status, 1);
  assert.match(refused.stdout, /INVALID: .*miner_signature/);

  // Keys: the admin key from `.aitbc/devnet.json` makes and revokes keys.
  const created = JSON.parse(aitbc('keys', 'create', '--scopes', 'client', '--account', 'zed', '--json').stdout);
  assert.match(created.key, /^aitbc_/);
  assert.equal(aitbc('account', '--api-key', created.key, '--json').status, 0);
  assert.match(aitbc('keys', 'revoke', created.key_id).stdout, /revoked/);
  const revoked = aitbc('account', '--api-key', created.key);
  assert.equal(revoked.status, 3, 'exit 3: auth');
  assert.match(revoked.stderr, /error AUTH_INVALID_KEY/);

  const bad = aitbc('job', 'submit', '--model', 'no-such-model', '--prompt', 'x');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /error VALIDATION_INVALID_MODEL: .*\nwhat to do: Use valid model\nrequest id: req-/);

  const taken = runAitbc(['devnet', '--port', String(port), '--chain-port', String(await freePort()), '--data-dir', join(home, 'other')]);
  assert.notEqual(taken.status, 0);
  assert.match(taken.stderr, new RegExp(`port ${port} is in use .*pass --port`));

  assert.equal(await interrupt(first.child), 0, 'Ctrl-C stops cleanly');

  const second = await devnet(port, chainPort);
  const again = JSON.parse(aitbc('account', '--json').stdout);
  assert.equal(again.account, 'demo');
  assert.notEqual(again.available, '1000', 'the restart kept the spent balance: no second funding');
  assert.equal(JSON.parse(aitbc('job', 'list', '--json').stdout).items.length, 1, 'and the job');

  // An OpenAI client against the devnet, changing only the base URL: the demo model streams.
  const openai = new OpenAI({ baseURL: `${file.coordinator_url}/v1`, apiKey: file.client_key, maxRetries: 0 });
  let streamed = '';
  let pieces = 0;
  for await (const chunk of await openai.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'Alice' }], max_tokens: 12, stream: true })) {
    const delta = chunk.choices[0]?.delta?.content ?? '';
    if (delta) pieces++;
    streamed += delta;
  }
  assert.ok(pieces > 1, 'the output came in pieces');
  const streamedJob = JSON.parse(aitbc('job', 'list', '--json').stdout).items.find((job: { job_id: string }) => job.job_id !== jobs[0].job_id);
  assert.equal(JSON.parse(aitbc('job', 'result', streamedJob.job_id, '--json').stdout).output, streamed, 'the job holds exactly what was streamed');
  assert.equal(await interrupt(second.child), 0);
});
