// What a browser meets: CORS as Chromium asks for it (preflight, then the request) from an allowed
// origin and from another, the web app at / with page paths falling back to index.html, API 404s
// staying JSON envelopes, and /web-config.json.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, startTestCoordinator, type TestCoordinator } from '@aitbc/testkit/coordinator';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const ALLOWED = 'http://console.example:5173';
const OTHER = 'http://evil.example';

function builtApp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-web-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>AITBC console</title><div id="app"></div>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("app")');
  return dir;
}

async function start(config: Parameters<typeof startTestCoordinator>[0]): Promise<TestCoordinator> {
  const coordinator = await startTestCoordinator(config);
  cleanups.push(() => coordinator.close());
  return coordinator;
}

/** What Chromium sends before a cross-origin POST with an API key and a JSON body. */
const preflight = (coordinator: TestCoordinator, origin: string, path: string) =>
  coordinator.request('OPTIONS', path, {
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key,x-api-key' },
  });

test('an allowed origin passes the preflight and reads answers, refusals and rate-limit headers; another origin gets no CORS headers', async () => {
  const coordinator = await start({ corsOrigins: [ALLOWED], webDir: null });
  const key = await coordinator.createClient('alice', '10', { rate_limit_per_minute: 100 });

  const allowed = await preflight(coordinator, ALLOWED, '/v1/jobs');
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers.get('access-control-allow-origin'), ALLOWED);
  assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /POST/);
  const allowedHeaders = (allowed.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
  for (const header of ['x-api-key', 'authorization', 'content-type', 'idempotency-key']) assert.ok(allowedHeaders.includes(header), `${header} allowed`);

  const read = await coordinator.request('GET', '/v1/account', { key, headers: { origin: ALLOWED } });
  assert.equal(read.status, 200);
  assert.equal(read.headers.get('access-control-allow-origin'), ALLOWED);
  assert.equal(read.headers.get('x-ratelimit-limit'), '100');
  const exposed = (read.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
  for (const header of ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) assert.ok(exposed.includes(header), `${header} exposed`);

  // A refusal carries the headers too, or the page could not read why.
  const refused = await coordinator.request('GET', '/v1/account', { headers: { origin: ALLOWED } });
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error_code, 'AUTH_MISSING_KEY');
  assert.equal(refused.headers.get('access-control-allow-origin'), ALLOWED);

  const other = await preflight(coordinator, OTHER, '/v1/jobs');
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  const otherRead = await coordinator.request('GET', '/v1/account', { key, headers: { origin: OTHER } });
  assert.equal(otherRead.headers.get('access-control-allow-origin'), null);
});

test('without --cors-origins no answer has CORS headers, and a preflight is refused as an unknown method', async () => {
  const coordinator = await start({ webDir: null });
  const answer = await preflight(coordinator, ALLOWED, '/v1/jobs');
  assert.equal(answer.headers.get('access-control-allow-origin'), null);
  assert.equal(answer.status, 405);
  assert.equal(answer.body.error_code, 'METHOD_NOT_ALLOWED');
  const health = await coordinator.request('GET', '/v1/health', { headers: { origin: ALLOWED } });
  assert.equal(health.headers.get('access-control-allow-origin'), null);
});

test("'*' lets any origin call", async () => {
  const coordinator = await start({ corsOrigins: ['*'], webDir: null });
  const answer = await coordinator.request('GET', '/v1/health', { headers: { origin: OTHER } });
  assert.equal(answer.headers.get('access-control-allow-origin'), '*');
});

test('the web app is served at / and for page paths; API paths, missing files and other methods stay JSON 404s', async () => {
  const coordinator = await start({ webDir: builtApp(), chainUrl: null });
  for (const path of ['/', '/explorer/block/12', '/console?tab=keys']) {
    const page = await coordinator.request('GET', path);
    assert.equal(page.status, 200, path);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/, path);
    assert.match(page.text, /AITBC console/, path);
  }
  const asset = await coordinator.request('GET', '/assets/app.js');
  assert.equal(asset.status, 200);
  assert.equal(asset.text, 'console.log("app")');

  for (const [method, path] of [['GET', '/v1/nothing'], ['GET', '/assets/gone.js'], ['GET', '/rpc/head'], ['POST', '/explorer']] as const) {
    const answer = await coordinator.request(method, path);
    assert.equal(answer.status, 404, `${method} ${path}`);
    assert.equal(answer.body.error_code, 'ROUTE_NOT_FOUND', `${method} ${path}`);
  }

  const config = await coordinator.request('GET', '/web-config.json');
  assert.equal(config.status, 200);
  assert.deepEqual(config.body, { coordinator_url: coordinator.url, chain_url: null });

  // In maintenance the pages still load (the operator panel turns it off); the API answers 503.
  await coordinator.request('PUT', '/v1/admin/maintenance', { key: ADMIN_KEY, body: { enabled: true } });
  assert.equal((await coordinator.request('GET', '/console')).status, 200);
  assert.equal((await coordinator.request('GET', '/assets/app.js')).status, 200);
  assert.equal((await coordinator.request('GET', '/v1/models')).body.error_code, 'SYSTEM_MAINTENANCE');
  await coordinator.request('PUT', '/v1/admin/maintenance', { key: ADMIN_KEY, body: { enabled: false } });
});

test('without a built web app, / and page paths say how to build it (never a 500)', async () => {
  const coordinator = await start({ webDir: join(tmpdir(), 'aitbc-web-never-built') });
  for (const path of ['/', '/market']) {
    const page = await coordinator.request('GET', path);
    assert.equal(page.status, 200, path);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /npm run build -w @aitbc\/web/);
  }
});
