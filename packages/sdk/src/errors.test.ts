// Every seed code becomes the SDK class of its family, with the seed's retryability.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CATALOGUE, ERROR_CODES } from '@aitbc/protocol';
import { AuthenticationError, BadRequestError, ConflictError, NotFoundError, PaymentError, PermissionError, RateLimitError, ServerError, ServiceUnavailableError, ValidationError, errorFromResponse } from './errors.ts';
import { mayRetry } from './transport.ts';

const familyOf: Record<number, Function> = {
  400: BadRequestError,
  401: AuthenticationError,
  402: PaymentError,
  403: PermissionError,
  404: NotFoundError,
  405: NotFoundError,
  409: ConflictError,
  410: ConflictError,
  413: ValidationError,
  422: ValidationError,
  429: RateLimitError,
  500: ServerError,
  502: ServerError,
  503: ServiceUnavailableError,
};

test('each seed code maps to its family and keeps code, detail, request id and retry facts', () => {
  for (const code of ERROR_CODES) {
    const { status, retryable } = ERROR_CATALOGUE[code];
    const error = errorFromResponse(status, { detail: `d ${code}`, error_code: code, request_id: 'req-1', field: 'f', retry_after: 7 }, null);
    assert.ok(error instanceof familyOf[status]!, `${code} → ${error.constructor.name}`);
    assert.equal(error.errorCode, code);
    assert.equal(error.detail, `d ${code}`);
    assert.equal(error.requestId, 'req-1');
    assert.equal(error.status, status);
    assert.equal(error.retryable, retryable, code);
    // Idempotent requests retry exactly what the seed calls retryable.
    assert.equal(mayRetry(error, true), retryable, code);
    if (error instanceof ValidationError) assert.equal(error.field, 'f');
    if (error instanceof RateLimitError || error instanceof ServiceUnavailableError) assert.equal(error.retryAfter, 7);
  }
});

test('an answer without an envelope still names its status and the header request id', () => {
  const error = errorFromResponse(502, '<html>bad gateway</html>', 'req-from-header');
  assert.ok(error instanceof ServerError);
  assert.equal(error.errorCode, 'HTTP_502');
  assert.equal(error.requestId, 'req-from-header');
  assert.equal(error.retryable, true);
});
