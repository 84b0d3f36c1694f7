// `aitbc` exit codes as a script sees them (src/exit-codes.ts): each code from a real command
// against a test coordinator (or nothing listening, for the network), and under --json the error
// on stdout as one JSON document carrying the same exit_code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startTestCoordinator } from '@aitbc/testkit/coordinator';
import { freePort } from '@aitbc/testkit';
import { execAitbc, runAitbc } from '@aitbc/testkit/processes';

/** Runs the command twice, as text and with --json; both exit with `code`; returns the parsed JSON error. */
async function expectExit(code: number, args: string[]): Promise<Record<string, unknown>> {
  const [text, json] = await Promise.all([execAitbc(args), execAitbc([...args, '--json'])]);
  assert.equal(text.status, code, `aitbc ${args.join(' ')}: ${text.stdout}${text.stderr}`);
  assert.match(text.stderr, /error/);
  assert.equal(json.status, code, json.stdout + json.stderr);
  const error = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.equal(error.exit_code, code);
  assert.equal(typeof error.detail, 'string');
  return error;
}

test('--help documents the exit codes', () => {
  const help = runAitbc(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Exit codes:[\s\S]*2 +usage[\s\S]*6 +network[\s\S]*130 +interrupted/);
});

test('usage errors exit 2, as text or as JSON', async () => {
  const missing = await expectExit(2, ['job', 'submit', '--prompt', 'hi']);
  assert.equal(missing.error_code, 'CLI_USAGE');
  assert.match(String(missing.detail), /--model/);
  const unknown = await expectExit(2, ['job', 'status', 'job_x', '--no-such-flag']);
  assert.match(String(unknown.detail), /unknown option/);
});

test('no answer exits 6 (network)', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  const error = await expectExit(6, ['job', 'list', '--url', url, '--api-key', 'k']);
  assert.equal(error.error_code, 'NETWORK_ERROR');
  assert.equal(error.status, 0);
});

test('auth 3, payment 4, not found 5, other 1, pending 8 and server 7 from a coordinator', async () => {
  const coordinator = await startTestCoordinator({ models: ['llama3.2'] });
  try {
    const apiKey = await coordinator.createClient('alice', '1');
    const as = (key: string) => ['--url', coordinator.url, '--api-key', key];

    const auth = await expectExit(3, ['job', 'list', ...as('aitbc_not_a_key')]);
    assert.equal(auth.error_code, 'AUTH_INVALID_KEY');
    assert.equal(auth.status, 401);
    assert.match(String(auth.request_id), /^req-/);

    const payment = await expectExit(4, ['job', 'submit', '--model', 'llama3.2', '--prompt', 'hi', '--max-price', '5', ...as(apiKey)]);
    assert.equal(payment.error_code, 'PAYMENT_INSUFFICIENT_BALANCE');

    const notFound = await expectExit(5, ['job', 'status', 'job_00000000000000000000000000', ...as(apiKey)]);
    assert.equal(notFound.error_code, 'JOB_NOT_FOUND');

    const invalid = await expectExit(1, ['job', 'submit', '--model', 'no-such-model', '--prompt', 'hi', ...as(apiKey)]);
    assert.equal(invalid.error_code, 'VALIDATION_INVALID_MODEL');
    assert.equal(invalid.field, 'model');

    const submitted = await execAitbc(['job', 'submit', '--model', 'llama3.2', '--prompt', 'hi', '--max-price', '0.5', '--json', ...as(apiKey)]);
    assert.equal(submitted.status, 0, submitted.stderr);
    const jobId = JSON.parse(submitted.stdout).job_id as string;
    const pending = await expectExit(8, ['job', 'result', jobId, ...as(apiKey)]);
    assert.equal(pending.error_code, 'JOB_NOT_FINISHED');

    // Maintenance answers 503 with a retry_after longer than the SDK waits: no retry, exit 7.
    const on = await coordinator.request('PUT', '/v1/admin/maintenance', { key: ADMIN_KEY, body: { enabled: true, message: 'upgrading', retry_after: 3600 } });
    assert.equal(on.status, 200, on.text);
    const server = await expectExit(7, ['job', 'list', ...as(apiKey)]);
    assert.deepEqual([server.error_code, server.status, server.retry_after], ['SYSTEM_MAINTENANCE', 503, 3600]);
  } finally {
    await coordinator.close();
  }
});
