// The chain node's RPC edge under attack, on a real port: thousands of malformed requests to
// every route the app has (read from the app), built by mutating real signed transactions and
// blocks, never get a 5xx or an answer outside the envelope; stalled uploads are cut after the
// request timeout while others are served; the OpenAPI document passes an outside validator.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import { addressFromPublicKey, base64urlEncode, generateKeyPair } from '@aitbc/protocol';
import { StalledUploads, assertEnvelope, fuzzRequests, malformedHttp, parseRaw, pool, prng, routesFromTree, send, sendRaw, type Route } from '@aitbc/testkit/http-fuzz';
import { ChainNode } from '../src/node.ts';
import { Gossip } from '../src/p2p.ts';
import { buildRpc } from '../src/rpc.ts';
import { signTx } from '../src/tx.ts';
import { ChainStore } from '../src/store/chain-store.ts';

const SEED = 8545;
const BODY_LIMIT_BYTES = 128 * 1024;
const LIMITS = { bodyLimitBytes: BODY_LIMIT_BYTES, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 };
const CHAIN_ID = 'aitbc-fuzz';

let rpc: FastifyInstance;
let gossip: Gossip;
let port: number;
let routes: Route[];
const seedBodies: Record<string, unknown[]> = {};
let stores: ChainStore[] = [];

before(async () => {
  const authority = generateKeyPair();
  const alice = generateKeyPair();
  const bob = addressFromPublicKey(generateKeyPair().publicKey);
  const genesis = { chain_id: CHAIN_ID, genesis_time: 1, block_interval_ms: 100, authorities: [base64urlEncode(authority.publicKey)], coordinators: [], allocations: [{ address: addressFromPublicKey(alice.publicKey), amount: '1000' }] };
  // The producer makes real blocks; the node under test (a follower) has not seen them yet.
  stores = [new ChainStore(':memory:'), new ChainStore(':memory:')];
  const producer = new ChainNode(stores[0]!, genesis, authority);
  const follower = new ChainNode(stores[1]!, genesis, null);
  const txs = Array.from({ length: 4 }, (_, nonce) => signTx({ type: 'transfer', chain_id: CHAIN_ID, to: bob, amount: '1', fee: '0', nonce, memo: 'fuzz' } as never, alice.secretKey));
  producer.submit(txs[0]);
  const block = producer.produce();
  seedBodies['POST /rpc/txs'] = txs;
  seedBodies['POST /rpc/txs/batch'] = [{ transactions: txs }];
  seedBodies['POST /rpc/blocks'] = [JSON.parse(JSON.stringify(block))];
  // No web app: its page paths would answer 200, and this test is about the RPC.
  rpc = await buildRpc(follower, { gossip: (gossip = new Gossip(follower, { peers: [], rpcUrl: 'http://127.0.0.1:1' })), limits: LIMITS, webDir: null });
  await rpc.listen({ port: 0, host: '127.0.0.1' });
  port = (rpc.server.address() as { port: number }).port;
  routes = routesFromTree(rpc.printRoutes({ commonPrefix: false }));
});

after(async () => {
  gossip.stop();
  await rpc.close();
  for (const store of stores) store.close();
});

const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => send(port, new Agent(), { method: 'POST', path, headers, body: Buffer.from(body), label: path });

describe('chain RPC edge', () => {
  test('every route, thousands of malformed requests: no 5xx, every error in the envelope', async () => {
    assert.ok(routes.some((route) => route.url === '/rpc/ws') && routes.some((route) => route.url === '/p2p'), 'WebSocket routes are fuzzed too');
    assert.ok(routes.length >= 20, `routes read from the app: ${routes.length}`);
    const requests = fuzzRequests({ routes, seedBodies, credentials: [{}], bodyLimitBytes: BODY_LIMIT_BYTES }, SEED, 100);
    assert.ok(requests.length >= 2_000);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const seen = { errors: 0, surrogates: 0, rejected: 0 };
    try {
      await pool(requests, 8, async (request) => {
        const context = `${request.method} ${request.path.slice(0, 120)} ${JSON.stringify(request.headers)} [${request.label}]`;
        const answer = await send(port, agent, request).catch((error: Error) => assert.fail(`${context}: ${error.message}`));
        if (request.method === 'HEAD') return assert.ok(answer.status < 500, `${context}: ${answer.status}`);
        assertEnvelope(answer, context);
        if (answer.status >= 400) seen.errors++;
        if (/unpaired UTF-16 surrogate/.test(answer.text)) seen.surrogates++;
        if (/"error_code":"CHAIN_(TX|BLOCK)_/.test(answer.text)) seen.rejected++;
      });
    } finally {
      agent.destroy();
    }
    // The mutations reached the node's own checks, not only the parser. A quarter, not a third:
    // the routes that take no input (head, authorities, mempool, web-config, metrics) answer most
    // of their fuzzed requests with a 200, and there are more of them since /rpc/authorities.
    assert.ok(seen.errors > requests.length / 4, `errors: ${seen.errors} of ${requests.length}`);
    assert.ok(seen.surrogates >= 10, `surrogate refusals: ${seen.surrogates}`);
    assert.ok(seen.rejected >= 20, `CHAIN_TX_/CHAIN_BLOCK_ refusals: ${seen.rejected}`);
  });

  test('malformed HTTP over a raw socket gets the envelope', async () => {
    const paths = [...new Set(routes.map((route) => route.url.replace(/:\w+/g, '1')))];
    await pool(malformedHttp(prng(SEED), 200, paths), 8, async (bytes) => {
      assertEnvelope(parseRaw(await sendRaw(port, bytes)), `raw ${JSON.stringify(bytes.toString().slice(0, 80))}`);
    });
  });

  test('unpaired surrogates in a block header or a transaction are a 422 naming the field', async () => {
    const block = structuredClone(seedBodies['POST /rpc/blocks']![0]) as { header: { state_root: string } };
    const text = JSON.stringify(block).replace(`"state_root":"${block.header.state_root}"`, '"state_root":"ab\\ud800"');
    const answer = await post('/rpc/blocks', text);
    assert.equal(answer.status, 422, answer.text);
    assert.deepEqual([JSON.parse(answer.text).error_code, JSON.parse(answer.text).field], ['VALIDATION_INVALID_FORMAT', 'header.state_root']);
    const tx = await post('/rpc/txs', JSON.stringify(seedBodies['POST /rpc/txs']![1]).replace('"memo":"fuzz"', '"memo":"\\udc00"'));
    assert.deepEqual([tx.status, JSON.parse(tx.text).field], [422, 'body.memo']);
  });

  test('odd content types, an oversized body and plain GETs on WebSocket routes answer in the envelope', async () => {
    const xml = await post('/rpc/txs', '<tx/>', { 'content-type': 'application/xml' });
    assert.deepEqual([xml.status, JSON.parse(xml.text).field], [422, 'body']);
    const big = await post('/rpc/txs', ' '.repeat(BODY_LIMIT_BYTES + 1));
    assert.equal(big.status, 413);
    assert.equal(JSON.parse(big.text).detail, `Request body is over the limit of this server (${BODY_LIMIT_BYTES} bytes)`);
    for (const path of ['/rpc/ws', '/p2p']) {
      const plain = await send(port, new Agent(), { method: 'GET', path, headers: {}, label: path });
      assert.deepEqual([plain.status, JSON.parse(plain.text).field], [422, 'Upgrade'], path);
    }
  });

  test('stalled uploads and silent connections are cut after their timeout, with the envelope, while others are served', async () => {
    const stalled = new StalledUploads(port, 200, '/rpc/txs', BODY_LIMIT_BYTES - 1);
    // And connections that never send a byte: cut after the headers time.
    const silent = new StalledUploads(port, 20, null);
    try {
      await stalled.opened();
      await silent.opened();
      const head = await send(port, new Agent(), { method: 'GET', path: '/rpc/head', headers: {}, label: 'head' });
      assert.equal(head.status, 200);
      for (const [group, field] of [[stalled, 'body'], [silent, 'request']] as const) {
        for (const answer of await group.allClosed()) {
          assertEnvelope(answer, `stalled (${field})`);
          assert.deepEqual([answer.status, JSON.parse(answer.text).field], [422, field]);
        }
      }
    } finally {
      stalled.destroy();
      silent.destroy();
    }
  });

  test('the OpenAPI document is valid OpenAPI 3.0.3 for an outside validator', async () => {
    const document = JSON.parse((await send(port, new Agent(), { method: 'GET', path: '/rpc/openapi.json', headers: {}, label: 'openapi' })).text);
    const result = await new Validator().validate(document);
    assert.equal(result.valid, true, JSON.stringify(result.errors ?? null).slice(0, 2_000));
  });
});
