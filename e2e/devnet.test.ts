// The README's promise, end to end, as a new user would type it: `aitbc devnet` in one terminal,
// `aitbc job submit --model demo --prompt "hello" --wait` in another, and the output, the price
// and a verified receipt come back. Then Ctrl-C, a restart that keeps the data, and a clear error
// for a port that is taken.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAitbc, startAitbc, stopWith } from '../packages/cli/test/processes.ts';
import { freePort } from '../packages/coordinator/test/harness.ts';

const home = mkdtempSync(join(tmpdir(), 'aitbc-devnet-'));
after(() => rmSync(home, { recursive: true, force: true }));

const devnet = (port: number) =>
  startAitbc(['devnet', '--port', String(port)], /Try:/, { cwd: home }).then((started) => ({ child: started.child, stdout: started.output() }));
const aitbc = (...args: string[]) => runAitbc(args, { cwd: home });
const interrupt = (child: ChildProcess) => stopWith(child, 'SIGINT');

test('devnet, then a job from the command line: output, price and a verified receipt', async () => {
  const port = await freePort();
  const first = await devnet(port);
  assert.match(first.stdout, /demo client {2}account demo, 1000 AITBC available/);
  const file = JSON.parse(readFileSync(join(home, '.aitbc', 'devnet.json'), 'utf8'));
  for (const field of ['coordinator_url', 'admin_key', 'client_key', 'miner_id']) assert.ok(file[field], field);

  const run = aitbc('job', 'submit', '--model', 'demo', '--prompt', 'hello', '--wait');
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /price \d+(\.\d+)? AITBC/);
  assert.match(run.stdout, /receipt rcpt-[0-9a-f]{32}: verified \(.*miner_signature, coordinator_signature.*\)/);

  const listed = aitbc('job', 'list', '--json');
  const jobs = JSON.parse(listed.stdout).items;
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0].status, 'completed');

  // Receipts: verified by id; a tampered copy in a file is refused with the failing checks named.
  const receiptId = jobs[0].receipt_id;
  const verified = aitbc('receipt', 'verify', receiptId);
  assert.equal(verified.status, 0, verified.stderr);
  assert.match(verified.stdout, new RegExp(`^${receiptId}: verified`));
  const receipt = JSON.parse(aitbc('receipt', 'show', receiptId, '--json').stdout);
  const tamperedPath = join(home, 'tampered.json');
  writeFileSync(tamperedPath, JSON.stringify({ ...receipt, price: '999' }));
  const refused = aitbc('receipt', 'verify', tamperedPath);
  assert.equal(refused.status, 1);
  assert.match(refused.stdout, /INVALID: .*miner_signature/);

  // Keys: the admin key from devnet.json makes and revokes keys.
  const created = JSON.parse(aitbc('keys', 'create', '--scopes', 'client', '--account', 'zed', '--json').stdout);
  assert.match(created.key, /^aitbc_/);
  assert.equal(aitbc('account', '--api-key', created.key, '--json').status, 0);
  assert.match(aitbc('keys', 'revoke', created.key_id).stdout, /revoked/);
  const revoked = aitbc('account', '--api-key', created.key);
  assert.equal(revoked.status, 1);
  assert.match(revoked.stderr, /error AUTH_INVALID_KEY/);

  const bad = aitbc('job', 'submit', '--model', 'no-such-model', '--prompt', 'x');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /error VALIDATION_INVALID_MODEL: .*\nwhat to do: Use valid model\nrequest id: req-/);

  const taken = runAitbc(['devnet', '--port', String(port), '--data-dir', join(home, 'other')]);
  assert.notEqual(taken.status, 0);
  assert.match(taken.stderr, new RegExp(`port ${port} is in use .*pass --port`));

  assert.equal(await interrupt(first.child), 0, 'Ctrl-C stops cleanly');

  const second = await devnet(port);
  const account = JSON.parse(aitbc('account', '--json').stdout);
  assert.equal(account.account, 'demo');
  assert.notEqual(account.available, '1000', 'the restart kept the spent balance: no second funding');
  assert.equal(JSON.parse(aitbc('job', 'list', '--json').stdout).items.length, 1, 'and the job');
  assert.equal(await interrupt(second.child), 0);
});
