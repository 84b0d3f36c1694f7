// The catalogue, the seed document and API.md's retry rule must agree: this test reads the seed's
// tables (the copy in docs/seed/, checked against ../shared/seed/ when that is present).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiError, ERROR_CATALOGUE, ERROR_CODES, isErrorCode } from './errors.ts';

const repoCopy = fileURLToPath(new URL('../../../docs/seed/error-codes.md', import.meta.url));
const sharedCopy = fileURLToPath(new URL('../../../../shared/seed/error-codes.md', import.meta.url));
const seed = readFileSync(repoCopy, 'utf8');

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

test('codes beyond the seed are exactly the additions API.md names, and retryable = 5xx or RATE_LIMIT_EXCEEDED', () => {
  const seedCodes = new Set(categoryRows.map((row) => row[0]));
  assert.deepEqual(ERROR_CODES.filter((code) => !seedCodes.has(code)).sort(), ['METHOD_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'ROUTE_NOT_FOUND']);
  for (const code of ERROR_CODES) {
    assert.equal(ERROR_CATALOGUE[code].retryable, ERROR_CATALOGUE[code].status >= 500 || code === 'RATE_LIMIT_EXCEEDED', code);
  }
});

test('ApiError carries the catalogue status and builds the envelope', () => {
  const error = new ApiError('RATE_LIMIT_EXCEEDED', 'slow down', { retryAfterSeconds: 0.2 });
  assert.equal(error.status, 429);
  assert.equal(error.retryable, true);
  assert.deepEqual(error.toEnvelope('req-1'), { detail: 'slow down', error_code: 'RATE_LIMIT_EXCEEDED', request_id: 'req-1', retry_after: 1 });
  const validation = new ApiError('VALIDATION_MISSING_FIELD', "Field 'prompt' is required", { field: 'prompt' });
  assert.deepEqual(validation.toEnvelope('req-2'), { detail: "Field 'prompt' is required", error_code: 'VALIDATION_MISSING_FIELD', request_id: 'req-2', field: 'prompt' });
});
