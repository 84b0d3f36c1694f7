// `aitbc coordinator` as a user runs it: --help lists the flags, environment variables set them,
// it serves on the port it prints, keeps jobs across a restart, and exits cleanly on SIGTERM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAitbc, startAitbc, stopWith } from '@aitbc/testkit/processes';

const start = (args: string[], env: Record<string, string> = {}) =>
  startAitbc(['coordinator', '--port', '0', '--log-level', 'silent', ...args], /listening on (http:\/\/\S+)/, { env: { ...process.env, ...env } }).then((started) => ({
    child: started.child,
    url: started.ready[1]!,
    stderr: started.output,
  }));
const stop = (child: ChildProcess) => stopWith(child);

test('--help lists every flag of docs/API.md with its environment variable', () => {
  const help = runAitbc(['coordinator', '--help']);
  assert.equal(help.status, 0, help.stderr);
  const text = help.stdout.replace(/\s+/g, ' ');
  for (const flag of ['--port', '--db', '--admin-key', '--max-prompt-chars', '--models', '--miner-timeout', '--lease-seconds', '--request-timeout', '--max-stream-bytes', '--redis-url']) assert.match(text, new RegExp(flag));
  for (const env of ['PORT', 'AITBC_DB', 'AITBC_ADMIN_KEY', 'AITBC_MINER_TIMEOUT', 'AITBC_REDIS_URL']) assert.match(text, new RegExp(`env: ${env}\\b`));
  for (const [flag, env] of [
    ['--reexecution-rate', 'AITBC_REEXECUTION_RATE'],
    ['--canary-rate', 'AITBC_CANARY_RATE'],
    ['--probation-jobs', 'AITBC_PROBATION_JOBS'],
    ['--probation-reexecution-rate', 'AITBC_PROBATION_REEXECUTION_RATE'],
    ['--probation-canary-rate', 'AITBC_PROBATION_CANARY_RATE'],
    ['--canaries-to-resume', 'AITBC_CANARIES_TO_RESUME'],
    ['--verification-account', 'AITBC_VERIFICATION_ACCOUNT'],
    ['--trusted-miners', 'AITBC_TRUSTED_MINERS'],
  ]) {
    assert.match(text, new RegExp(`${flag} <[a-z]+>`));
    assert.match(text, new RegExp(`env: ${env}\\b`));
  }
});

test('a bad flag value is refused with a reason', () => {
  const bad = runAitbc(['coordinator', '--port', 'eighty']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--port.*whole number/);
  const tooShort = runAitbc(['coordinator', '--request-timeout', '5']);
  assert.notEqual(tooShort.status, 0, 'a request timeout under the 10 s headers timeout is refused');
  assert.match(tooShort.stderr, /--request-timeout/);
  for (const rate of ['1.5', 'ten', '-0.1']) {
    const badRate = runAitbc(['coordinator', '--canary-rate', rate]);
    assert.notEqual(badRate.status, 0, rate);
    assert.match(badRate.stderr, /--canary-rate.*expected a share from 0 to 1/, rate);
  }
  const badOrigin = runAitbc(['coordinator', '--cors-origins', 'app.example.com/console']);
  assert.notEqual(badOrigin.status, 0);
  assert.match(badOrigin.stderr, /--cors-origins.*is not '\*' or an origin/);
});

test('serves, honours env settings, keeps jobs across a restart and stops on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-cli-'));
  const db = join(dir, 'nested', 'coordinator.db');
  const env = { AITBC_ADMIN_KEY: 'admin-from-env', AITBC_MODELS: 'llama3.2', AITBC_MAX_PROMPT_CHARS: '10', AITBC_CORS_ORIGINS: 'https://app.example' };
  try {
    let running = await start(['--db', db], env);
    const healthAnswer = await fetch(`${running.url}/v1/health`, { headers: { origin: 'https://app.example' } });
    assert.equal(healthAnswer.headers.get('access-control-allow-origin'), 'https://app.example', 'AITBC_CORS_ORIGINS allows the origin');
    const health = await healthAnswer.json();
    assert.equal(health.status, 'ok');
    const created = await fetch(`${running.url}/v1/admin/keys`, {
      method: 'POST',
      headers: { 'x-api-key': 'admin-from-env', 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['client'], account: 'alice' }),
    });
    assert.equal(created.status, 201);
    const { key } = await created.json();
    const credited = await fetch(`${running.url}/v1/admin/accounts/alice/credit`, {
      method: 'POST',
      headers: { 'x-api-key': 'admin-from-env' },
      body: JSON.stringify({ amount: '5' }),
    });
    assert.equal(credited.status, 200);
    const submit = (prompt: string) =>
      fetch(`${running.url}/v1/jobs`, { method: 'POST', headers: { 'x-api-key': key }, body: JSON.stringify({ model: 'llama3.2', prompt, max_price: '1' }) });
    assert.equal((await (await submit('way too long a prompt')).json()).error_code, 'VALIDATION_PROMPT_TOO_LONG');
    const job = await (await submit('short')).json();
    assert.equal(job.status, 'queued');
    assert.equal(await stop(running.child), 0);

    running = await start(['--db', db], env);
    const again = await (await fetch(`${running.url}/v1/jobs/${job.job_id}`, { headers: { authorization: `Bearer ${key}` } })).json();
    assert.equal(again.status, 'queued');
    const account = await (await fetch(`${running.url}/v1/account`, { headers: { authorization: `Bearer ${key}` } })).json();
    assert.deepEqual(account, { account: 'alice', available: '4', escrowed: '1', withdrawing: '0', disputable: '0' });
    const coordinatorKey = (await (await fetch(`${running.url}/v1/coordinator`)).json()).public_key;
    assert.equal(await stop(running.child), 0);

    const audit = runAitbc(['coordinator', 'check-ledger', '--db', db]);
    assert.equal(audit.status, 0, audit.stdout + audit.stderr);
    assert.match(audit.stdout, /credited 5 = available 4 \+ escrowed 1 \+ earned 0 \+ claimed 0 AITBC\nledger OK/);

    running = await start(['--db', db], env);
    const sameKey = (await (await fetch(`${running.url}/v1/coordinator`)).json()).public_key;
    assert.equal(sameKey, coordinatorKey, 'the co-signing key survives a restart');
    assert.equal(await stop(running.child), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without --admin-key a key is generated and printed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-cli-'));
  try {
    const running = await start(['--db', join(dir, 'c.db')]);
    const printed = /admin key \(generated[^:]*\): (\S+)/.exec(running.stderr())?.[1];
    assert.ok(printed);
    const list = await fetch(`${running.url}/v1/admin/keys`, { headers: { 'x-api-key': printed } });
    assert.equal(list.status, 200);
    assert.equal(await stop(running.child), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
