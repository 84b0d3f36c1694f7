import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, canonicalize } from '@aitbc/protocol';
import { MAX_JSON_DEPTH, clientErrorOf, edgeError, fieldOfJsonPath, parseJsonBody, rawHttpError, toOpenApi303 } from './http-edge.ts';

const LIMITS = { bodyLimitBytes: 1234, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000 };

function refusal(text: string): ApiError {
  try {
    parseJsonBody(text);
  } catch (error) {
    assert.ok(error instanceof ApiError);
    return error;
  }
  assert.fail(`${text} was accepted`);
}

test('JSON bodies: empty is none, broken JSON and unpaired surrogates are 422 with the field', () => {
  assert.equal(parseJsonBody('  '), undefined);
  assert.deepEqual(parseJsonBody('{"a":["😀", "\\ud83d\\ude00"]}'), { a: ['😀', '😀'] });
  assert.deepEqual([refusal('{"a":').code, refusal('{"a":').field], ['VALIDATION_INVALID_FORMAT', 'body']);
  assert.equal(refusal('{"receipt":{"units":[1,"x\\ud800"]}}').field, 'receipt.units.1');
  assert.equal(refusal('{"outer":{"\\udc00":1}}').field, 'outer', 'a bad key names its object');
  assert.equal(refusal('"\\udfff"').field, 'body');
});

test('JSON bodies nested deeper than the limit are refused without walking them recursively', () => {
  assert.doesNotThrow(() => parseJsonBody(`${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}`));
  const deep = refusal(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
  assert.match(deep.message, new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
});

test('framework and canonicalization errors map to seed codes; a real bug maps to nothing', () => {
  const surrogate = (() => {
    try {
      canonicalize({ header: { memo: '\ud800' } });
    } catch (error) {
      return error;
    }
  })();
  assert.deepEqual([edgeError(surrogate, LIMITS)?.code, edgeError(surrogate, LIMITS)?.field], ['VALIDATION_INVALID_FORMAT', 'header.memo']);
  assert.equal(edgeError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }, LIMITS)?.message, 'Request body is over the limit of this server (1234 bytes)');
  assert.equal(edgeError({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }, LIMITS)?.field, 'Content-Type');
  assert.equal(edgeError({ code: 'FST_ERR_MAX_PARAM_LENGTH' }, LIMITS)?.code, 'VALIDATION_OUT_OF_RANGE');
  assert.equal(edgeError({ statusCode: 400, validation: [{ instancePath: '', params: { missingProperty: 'id' } }], validationContext: 'params' }, LIMITS)?.field, 'id');
  assert.equal(edgeError(new Error('disk I/O error'), LIMITS), null);
  assert.equal(edgeError(new TypeError('x is undefined'), LIMITS), null);
  assert.equal(fieldOfJsonPath('$'), 'body');
});

test('client errors become a whole raw HTTP response carrying the envelope', () => {
  const timeout = clientErrorOf({ code: 'ERR_HTTP_REQUEST_TIMEOUT' }, LIMITS, true);
  assert.match(timeout.message, /headers within 10 s, the whole body within 60 s/);
  assert.deepEqual([timeout.field, clientErrorOf({ code: 'ERR_HTTP_REQUEST_TIMEOUT' }, LIMITS).field], ['body', 'request']);
  assert.equal(clientErrorOf({ code: 'HPE_HEADER_OVERFLOW' }, LIMITS).code, 'PAYLOAD_TOO_LARGE');
  const raw = rawHttpError(clientErrorOf({ code: 'HPE_INVALID_METHOD' }, LIMITS), 'req-fixed');
  const [head, body] = raw.split('\r\n\r\n') as [string, string];
  assert.match(head, /^HTTP\/1\.1 422 Unprocessable Entity\r\n/);
  assert.match(head, new RegExp(`Content-Length: ${Buffer.byteLength(body)}\r\n`));
  assert.deepEqual(JSON.parse(body), { detail: 'Malformed HTTP request (HPE_INVALID_METHOD)', error_code: 'VALIDATION_INVALID_FORMAT', request_id: 'req-fixed', field: 'request' });
});

test('OpenAPI 3.0.3: JSON Schema examples arrays become example; Example Object maps stay', () => {
  const document = {
    paths: { '/x': { get: { parameters: [{ name: 'a', examples: { one: { value: 1 } } }], responses: { 200: { content: { 'application/json': { schema: { type: 'object', additionalProperties: { type: 'string', examples: ['2.5'] } } } } } } } } },
  };
  const fixed = toOpenApi303(structuredClone(document));
  const schema = fixed.paths['/x'].get.responses[200].content['application/json'].schema.additionalProperties as Record<string, unknown>;
  assert.deepEqual(schema, { type: 'string', example: '2.5' });
  assert.deepEqual(fixed.paths['/x'].get.parameters[0], document.paths['/x'].get.parameters[0]);
});
