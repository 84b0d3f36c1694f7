// The catalogue (errors.ts), the documents (docs/seed/error-codes.md, docs/API.md) and the codes
// the sources send must agree, in both directions: every code sent is in the catalogue, every
// catalogue code is documented with its status, every documented code is in the catalogue. The
// seed is kept verbatim in docs/seed/ (checked against the project's shared copy when present).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError, ERROR_CATALOGUE, ERROR_CODES, isErrorCode, type ErrorCode } from './errors.ts';
import { REPO_ROOT, repoFiles } from '../test/repo-sources.ts';

const repoCopy = join(REPO_ROOT, 'docs/seed/error-codes.md');
const sharedCopy = fileURLToPath(new URL('../../../../shared/seed/error-codes.md', import.meta.url));
const seed = readFileSync(repoCopy, 'utf8');
const api = readFileSync(join(REPO_ROOT, 'docs/API.md'), 'utf8');

const cells = (line: string) => line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/^`|`$/g, ''));
const rows = seed.split('\n').filter((line) => /^\| `?[A-Z]+_[A-Z_]+`? \|/.test(line)).map(cells);
const categoryRows = rows.filter((row) => row.length === 4 && /^\d{3}$/.test(row[1]!) && !['Yes', 'No'].includes(row[3]!));
const referenceRows = rows.filter((row) => ['Yes', 'No'].includes(row[3]!));

test('every seed code is in the catalogue with its status, description and resolution', () => {
  // The repo keeps a copy so the test runs anywhere; beside the shared folder, the copy must be current.
  if (existsSync(sharedCopy)) assert.equal(seed, readFileSync(sharedCopy, 'utf8'), 'docs/seed/error-codes.md is out of date');
  assert.ok(categoryRows.length >= 30, `parsed ${categoryRows.length} rows`);
  for (const [code, status, description, resolution] of categoryRows) {
    assert.ok(isErrorCode(code), `${code} missing from the catalogue`);
    const spec = ERROR_CATALOGUE[code];
    assert.equal(spec.status, Number(status), code);
    assert.equal(spec.description, description, code);
    assert.equal(spec.resolution, resolution, code);
  }
});

test("the seed's reference table agrees on status, category and retryability", () => {
  assert.ok(referenceRows.length >= 20);
  for (const [code, status, category, retryable] of referenceRows) {
    assert.ok(isErrorCode(code), code);
    assert.equal(ERROR_CATALOGUE[code].status, Number(status), code);
    assert.equal(ERROR_CATALOGUE[code].category, category, code);
    assert.equal(ERROR_CATALOGUE[code].retryable, retryable === 'Yes', code);
  }
});

// docs/API.md's table of additions: | `CODE` | status | category | Yes/No | description | resolution |
const additionRows = api.split('\n').filter((line) => /^\| `[A-Z]+_[A-Z_]+` \|/.test(line)).map(cells);

test("codes beyond the seed are exactly docs/API.md's additions, row for row; retryable = 5xx or RATE_LIMIT_EXCEEDED", () => {
  const seedCodes = new Set(categoryRows.map((row) => row[0]));
  const additions = ERROR_CODES.filter((code) => !seedCodes.has(code));
  assert.deepEqual(additionRows.map((row) => row[0]).sort(), [...additions].sort(), 'docs/API.md lists every addition and nothing else');
  for (const [code, status, category, retryable, description, resolution] of additionRows) {
    assert.ok(isErrorCode(code), `${code} (docs/API.md) missing from the catalogue`);
    const spec = ERROR_CATALOGUE[code];
    assert.deepEqual([Number(status), category, retryable === 'Yes', description, resolution, spec.addition], [spec.status, spec.category, spec.retryable, spec.description, spec.resolution, true], code);
  }
  for (const code of ERROR_CODES) {
    assert.equal(ERROR_CATALOGUE[code].retryable, ERROR_CATALOGUE[code].status >= 500 || code === 'RATE_LIMIT_EXCEEDED', code);
  }
});

// Codes the SDK makes itself for failures below HTTP; docs/API.md names them, no server sends them.
const SDK_LOCAL_CODES = ['NETWORK_ERROR', 'SDK_WAIT_TIMEOUT'];
// What `aitbc --json` reports for failures of its own (the README's exit codes), besides the SDK's.
const CLI_LOCAL_CODES = [...SDK_LOCAL_CODES, 'CLI_ERROR', 'CLI_USAGE', 'JOB_NOT_FINISHED'];

test('docs/API.md names only catalogue codes, each with its status wherever it gives one', () => {
  const codeLike = /`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g;
  for (const [, token] of api.matchAll(codeLike)) {
    if (token!.startsWith('AITBC_') || token === 'MAX_AMOUNT_MICRO') continue; // environment variables, the amount bound
    assert.ok(isErrorCode(token) || SDK_LOCAL_CODES.includes(token!), `docs/API.md names ${token}, which is not in the catalogue`);
  }
  // "404 `ROUTE_NOT_FOUND`" and "`MINER_OFFLINE` (503)": the status written beside a code.
  let checked = 0;
  for (const [, before, code, after] of api.matchAll(/(?:(\d{3}) )?`([A-Z]+_[A-Z_]+)`(?: \((\d{3})\))?/g)) {
    const status = before ?? after;
    if (status === undefined || !isErrorCode(code)) continue;
    assert.equal(ERROR_CATALOGUE[code].status, Number(status), `docs/API.md gives ${code} the status ${status}`);
    checked++;
  }
  assert.ok(checked >= 20, `checked ${checked} statuses`);
  for (const code of SDK_LOCAL_CODES) assert.match(api, new RegExp(`\`${code}\``), `docs/API.md explains the SDK's ${code}`);
});

/** Every literal error code in the sources that serve or raise errors, with the HTTP status beside it when the source gives one. */
function codesInSources(): { file: string; code: string; status?: number }[] {
  const found: { file: string; code: string; status?: number }[] = [];
  const patterns = [
    /new ApiError\(\s*'([A-Z][A-Z_]+)'/g, // services and HTTP layers
    /RpcError\(\s*(\d{3}),\s*'([A-Z][A-Z_]+)'/g, // the chain node's RPC
    /\bcode\((\d{3})\)\.send\(\{[^\n]*?error_code: '([A-Z][A-Z_]+)'/g, // hand-written envelopes
    /\berror_code: '([A-Z][A-Z_]+)'/g, // envelopes, socket messages, outbox rows and logs
    /\berrorCode: '([A-Z][A-Z_]+)'/g, // the SDK's own errors
    /\b(?:Tx|Block)RejectedError\(\s*'([A-Z][A-Z_]+)'/g, // the chain node's refusals
    /\breject\(\s*\w+,\s*'([A-Z][A-Z_]+)'/g, // a block's refusal, through its helper
  ];
  for (const file of repoFiles(['packages'], ['.ts']).filter((path) => /\/src\//.test(path) && !path.endsWith('.test.ts'))) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        const [status, code] = match.length === 3 ? [Number(match[1]), match[2]!] : [undefined, match[1]!];
        found.push({ file, code, ...(status === undefined ? {} : { status }) });
      }
    }
  }
  return found;
}

test('every error code the sources send is in the catalogue, with its status', () => {
  const found = codesInSources();
  assert.ok(found.length >= 80, `found ${found.length} codes in the sources`);
  for (const { file, code, status } of found) {
    if (file.startsWith('packages/sdk/') && SDK_LOCAL_CODES.includes(code)) continue;
    if (file.startsWith('packages/cli/') && CLI_LOCAL_CODES.includes(code)) continue;
    assert.ok(isErrorCode(code), `${file} sends ${code}, which is not in the catalogue (packages/protocol/src/errors.ts)`);
    if (status !== undefined) assert.equal(status, ERROR_CATALOGUE[code as ErrorCode].status, `${file} sends ${code} with status ${status}`);
  }
  // Both servers send the chain's codes and the coordinator's: the scan must see each family.
  const sent = new Set(found.map((entry) => entry.code));
  for (const code of ['CHAIN_TX_INVALID_NONCE', 'CHAIN_BLOCK_INVALID_TX', 'BLOCK_NOT_FOUND', 'JOB_NOT_FOUND', 'PAYLOAD_TOO_LARGE']) assert.ok(sent.has(code), `the scan found ${code}`);
  // Every chain refusal in the catalogue is one the node sends.
  for (const code of ERROR_CODES.filter((code) => /^CHAIN_(TX|BLOCK)_/.test(code))) assert.ok(sent.has(code), `no source sends ${code}`);
});

test('ApiError carries the catalogue status and builds the envelope', () => {
  const error = new ApiError('RATE_LIMIT_EXCEEDED', 'slow down', { retryAfterSeconds: 0.2 });
  assert.equal(error.status, 429);
  assert.equal(error.retryable, true);
  assert.deepEqual(error.toEnvelope('req-1'), { detail: 'slow down', error_code: 'RATE_LIMIT_EXCEEDED', request_id: 'req-1', retry_after: 1 });
  const validation = new ApiError('VALIDATION_MISSING_FIELD', "Field 'prompt' is required", { field: 'prompt' });
  assert.deepEqual(validation.toEnvelope('req-2'), { detail: "Field 'prompt' is required", error_code: 'VALIDATION_MISSING_FIELD', request_id: 'req-2', field: 'prompt' });
});
