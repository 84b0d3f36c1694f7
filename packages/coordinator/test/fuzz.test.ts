// The coordinator's HTTP edge under attack, on a real port: thousands of malformed requests to
// every route the app has (read from the app, not listed here) never get a 5xx or an answer
// outside the seed envelope; slow uploads neither shed other clients nor hold sockets past the
// request timeout; the OpenAPI document passes an outside validator; the bootstrap admin key is
// not throttled by the default rate limit.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ADMIN_KEY, TestMiner, startTestCoordinator, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { StalledUploads, assertEnvelope, fuzzRequests, malformedHttp, parseRaw, pool, prng, routesFromTree, send, sendRaw, type Route } from '@aitbc/testkit/http-fuzz';

const SEED = 11;
const BODY_LIMIT_BYTES = 256 * 1024;
// Short timers so that stalled requests are cut within the test's time.
const EDGE = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 };

let coordinator: TestCoordinator;
let port: number;
let routes: Route[];
let client: string;
let minerKey: string;

before(async () => {
  // The event-loop guard is off: on a busy test machine its 503s would hide what is measured here.
  // No web app: its page paths would answer 200, and this test is about the API.
  coordinator = await startTestCoordinator({ bodyLimitBytes: BODY_LIMIT_BYTES, maxWaitSeconds: 1, models: ['llama3.2'], webDir: null, ...EDGE });
  port = Number(new URL(coordinator.url).port);
  routes = routesFromTree(coordinator.app.printRoutes({ commonPrefix: false }));
  client = await coordinator.createClient('fuzzer', '1000');
  minerKey = await coordinator.createKey(['miner']);
  assert.equal((await new TestMiner(coordinator, minerKey, 'miner-1').register()).status, 201);
});

after(async () => {
  await coordinator.close();
});

/** Request body schemas by `METHOD /fastify/:url`, from the coordinator's own OpenAPI document. */
async function bodySchemas(): Promise<Record<string, never>> {
  const document = (await coordinator.request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: never }> } }>> };
  const out: Record<string, never> = {};
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const schema = operation.requestBody?.content['application/json']?.schema;
      if (schema) out[`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`] = schema;
    }
  }
  return out;
}

/**
 * A valid OpenAI-compatible request waits for a miner to run its job, as it should (the fuzz's
 * registered miner never polls); the fuzzer hangs up after a while, which cancels the job.
 */
const MAY_WAIT = /^\/v1\/(chat\/)?completions(\?|$)/;

describe('coordinator HTTP edge', () => {
  test('every route, thousands of malformed requests: no 5xx, every error in the envelope', async () => {
    assert.ok(routes.length >= 40, `routes read from the app: ${routes.length}`);
    assert.ok(routes.some((route) => route.url === '/v1/jobs/:id/stream'), 'the WebSocket route is fuzzed too');
    const credentials: Record<string, string>[] = [{}, { 'x-api-key': 'aitbc_not_a_key' }, { 'x-api-key': client }, { authorization: `Bearer ${client}` }, { 'x-api-key': minerKey }, { 'x-api-key': ADMIN_KEY }];
    const requests = fuzzRequests({ routes, bodySchemas: await bodySchemas(), credentials, bodyLimitBytes: BODY_LIMIT_BYTES }, SEED, 80).map((request) =>
      // Maintenance switched on by a lucky body would answer every later request 503, by design.
      request.path.startsWith('/v1/admin/maintenance') ? { ...request, headers: { ...request.headers, 'x-api-key': client } } : request,
    );
    assert.ok(requests.length >= 2_500);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const seen = { errors: 0, surrogates: 0, tooLarge: 0, waited: 0 };
    try {
      await pool(requests, 8, async (request) => {
        const context = `${request.method} ${request.path.slice(0, 120)} ${JSON.stringify(request.headers).slice(0, 200)} [${request.label}]`;
        const waits = MAY_WAIT.test(request.path);
        const answer = await send(port, agent, request, waits ? 4_000 : 15_000).catch((error: Error) => {
          if (waits && /no answer within/.test(error.message)) return null;
          return assert.fail(`${context}: ${error.message}`);
        });
        if (!answer) return void seen.waited++;
        if (request.method === 'HEAD') return assert.ok(answer.status < 500, `${context}: ${answer.status}`);
        assertEnvelope(answer, context);
        if (answer.status >= 400) seen.errors++;
        if (/unpaired UTF-16 surrogate/.test(answer.text)) seen.surrogates++;
        if (answer.status === 413) {
          seen.tooLarge++;
          assert.match(JSON.parse(answer.text).detail, new RegExp(`limit of this server \\(${BODY_LIMIT_BYTES} bytes\\)`), context);
        }
      });
    } finally {
      agent.destroy();
    }
    // The generator did reach the cases it is for.
    assert.ok(seen.errors > requests.length / 3, `errors: ${seen.errors} of ${requests.length}`);
    // About 0.3 % of the requests carry a lone surrogate (17 to 21 of ~5,400 with the routes of
    // issue 12); a new route re-rolls the seeded sequence, so the floor leaves room for that luck.
    assert.ok(seen.surrogates >= 10, `surrogate refusals: ${seen.surrogates}`);
    assert.ok(seen.tooLarge >= 10, `413s: ${seen.tooLarge}`);
    assert.ok(seen.waited < 40, `OpenAI requests left waiting for a miner: ${seen.waited}`);
    await coordinator.assertLedger();
  });

  test('malformed HTTP over a raw socket gets the envelope, never a bare 400', async () => {
    const paths = [...new Set(routes.map((route) => route.url.replace(/:\w+/g, 'x')))];
    const raw = malformedHttp(prng(SEED), 250, paths);
    await pool(raw, 8, async (bytes) => {
      const text = await sendRaw(port, bytes);
      const context = `raw ${JSON.stringify(bytes.toString().slice(0, 80))}`;
      // A flipped byte can still make a valid request: then any answer below 500 in the envelope will do.
      assertEnvelope(parseRaw(text), context);
    });
  });

  test('unpaired surrogates are a 422 naming the field, on a public and a paid route', async () => {
    const verify = await coordinator.request('POST', '/v1/receipts/verify', { rawBody: '{"receipt":{"receipt_id":"rcpt-\\ud800"}}', headers: { 'content-type': 'application/json' } });
    assert.equal(verify.status, 422);
    assert.deepEqual([verify.body.error_code, verify.body.field], ['VALIDATION_INVALID_FORMAT', 'receipt.receipt_id']);
    const submit = await coordinator.request('POST', '/v1/jobs', { key: client, rawBody: '{"model":"llama3.2","prompt":"hi \\udfff","max_price":"1"}' });
    assert.deepEqual([submit.status, submit.body.error_code, submit.body.field], [422, 'VALIDATION_INVALID_FORMAT', 'prompt']);
  });

  test('a plain GET on the WebSocket route, bad percent-encoding and a long id answer in the envelope', async () => {
    const ws = await coordinator.request('GET', '/v1/jobs/job-1/stream?miner_id=miner-1', { key: minerKey });
    assert.deepEqual([ws.status, ws.body.error_code, ws.body.field], [422, 'VALIDATION_INVALID_FORMAT', 'Upgrade']);
    const badUrl = parseRaw(await sendRaw(port, 'GET /v1/receipts/%E0%A4%A HTTP/1.1\r\nHost: a\r\n\r\n'));
    assert.deepEqual([badUrl.status, JSON.parse(badUrl.text).field], [422, 'url']);
    const long = await coordinator.request('GET', `/v1/receipts/${'r'.repeat(5_000)}`);
    assert.deepEqual([long.status, long.body.error_code, long.body.field], [422, 'VALIDATION_OUT_OF_RANGE', 'params']);
  });

  test('slow uploads to a public route neither shed other clients nor outlive the request timeout', async () => {
    // More dribbling connections than --max-in-flight (512): before the fix they were load.
    const stalled = new StalledUploads(port, 540, '/v1/receipts/verify', BODY_LIMIT_BYTES - 1);
    try {
      await stalled.opened();
      // Everyone else is served meanwhile, public and authenticated alike.
      for (let i = 0; i < 20; i++) {
        const verify = await coordinator.request('POST', '/v1/receipts/verify', { body: { receipt: {} } });
        assert.notEqual(verify.status, 503, verify.text);
        assert.equal((await coordinator.request('GET', '/v1/account', { key: client })).status, 200);
      }
      // The stalled ones are cut once the request timeout is up, with the envelope when the socket allows.
      const answers = await stalled.allClosed();
      const answered = answers.filter((answer) => answer.status > 0);
      assert.ok(answered.length >= answers.length * 0.9, `answered ${answered.length} of ${answers.length}`);
      for (const answer of answered) {
        assertEnvelope(answer, 'stalled upload');
        assert.deepEqual([answer.status, JSON.parse(answer.text).field], [422, 'body']);
        assert.match(JSON.parse(answer.text).detail, /did not arrive in time/);
      }
    } finally {
      stalled.destroy();
    }
  });

  test('the OpenAPI document is valid OpenAPI 3.0.3 for an outside validator', async () => {
    const document = (await coordinator.request('GET', '/openapi.json')).body;
    assert.equal(document.openapi, '3.0.3');
    const result = await new Validator().validate(document);
    assert.equal(result.valid, true, JSON.stringify(result.errors ?? null).slice(0, 2_000));
  });
});

describe('default rate limit', () => {
  test('throttles other keys but never the bootstrap admin key', async () => {
    const limited = await startTestCoordinator({ defaultRateLimitPerMinute: 3 });
    try {
      const key = await limited.createKey(['client']);
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await limited.request('GET', '/v1/account', { key })).status);
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      // createKey above already used the admin key once; far more than 3 a minute still pass.
      for (let i = 0; i < 12; i++) {
        const answer = await limited.request('GET', '/v1/admin/keys', { key: ADMIN_KEY });
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.headers.get('x-ratelimit-limit'), null);
      }
    } finally {
      await limited.close();
    }
  });
});
