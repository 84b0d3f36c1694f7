// Both OpenAPI documents, the coordinator's (/openapi.json, what /docs shows) and the chain
// node's (/rpc/openapi.json), document a success for every operation: a 2xx response with a
// schema, so that a client (the SDK, the web app) can be written from the document alone. A
// 204 has no body by definition, so its description is its documentation.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '@aitbc/protocol';
import { CHAIN_RPC } from '@aitbc/protocol/wire';
import { startTestCoordinator, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { startTestChain, type TestChain } from '@aitbc/testkit/chain';

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: object }> }> };
type Document = { paths: Record<string, Record<string, Operation>> };

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** "METHOD /path" of every operation without a documented success that has a schema. */
function undocumentedSuccesses(document: Document): string[] {
  const missing: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const successes = Object.entries(operation.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
      const withSchema = successes.filter(([status, response]) => status === '204' || Object.values(response.content ?? {}).some((media) => media.schema !== undefined));
      if (withSchema.length === 0) missing.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return missing;
}

let chain: TestChain;
let coordinator: TestCoordinator;

before(async () => {
  const key = generateKeyPair();
  chain = await startTestChain({ coordinator: key, allocations: [] });
  // With a chain, so that the chain-only routes (withdrawals, the admin chain view) are registered too.
  coordinator = await startTestCoordinator({ chainUrl: chain.url, coordinatorSecretKey: key.secretKey });
});

after(async () => {
  await coordinator.close();
  await chain.close();
});

test("every coordinator operation documents a 2xx response with a schema", async () => {
  const document = (await coordinator.request('GET', '/openapi.json')).body as Document;
  assert.ok(Object.keys(document.paths).length > 20, 'the document lists the API');
  assert.deepEqual(undocumentedSuccesses(document), []);
});

test("every chain RPC operation documents a 2xx response with a schema", async () => {
  const document = (await (await fetch(`${chain.url}/rpc/openapi.json`)).json()) as Document;
  assert.ok(Object.keys(document.paths).length >= 10, 'the document lists the RPC');
  assert.deepEqual(undocumentedSuccesses(document), []);
});

test("the chain node serves every route of the wire's CHAIN_RPC definitions, with its success status", async () => {
  const document = (await (await fetch(`${chain.url}/rpc/openapi.json`)).json()) as Document;
  const missing = Object.entries(CHAIN_RPC)
    .filter(([, route]) => document.paths[route.url.replace(/:([a-z_]+)/g, '{$1}')]?.[route.method.toLowerCase()]?.responses?.[String(route.status)] === undefined)
    .map(([name, route]) => `${name}: ${route.method} ${route.url} ${route.status}`);
  assert.deepEqual(missing, []);
});
