// What the explorer meets on a node: CORS from an allowed origin only, the web app and its page
// paths, /web-config.json naming this node (and the coordinator devnet gives it), and the
// authorities with their votes and the final height.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, generateKeyPair } from '@aitbc/protocol';
import { ChainNode } from '../src/node.ts';
import { buildRpc, type RpcOptions } from '../src/rpc.ts';
import { ChainStore } from '../src/store/chain-store.ts';

const ALLOWED = 'https://explorer.example';
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function start(options: RpcOptions, authorities = 1) {
  const keys = Array.from({ length: authorities }, () => generateKeyPair());
  const store = new ChainStore(':memory:');
  const node = new ChainNode(store, { chain_id: 'aitbc-web', genesis_time: 1, block_interval_ms: 100, authorities: keys.map((key) => base64urlEncode(key.publicKey)), coordinators: [], allocations: [] }, keys[0]);
  const rpc = await buildRpc(node, options);
  await rpc.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(async () => {
    await rpc.close();
    store.close();
  });
  const url = `http://127.0.0.1:${(rpc.server.address() as { port: number }).port}`;
  return { node, keys, url };
}

test('CORS for the allowed origin (preflight and request), none for another', async () => {
  const { url } = await start({ corsOrigins: [ALLOWED], webDir: null });
  const preflight = await fetch(`${url}/rpc/txs`, { method: 'OPTIONS', headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), ALLOWED);
  const head = await fetch(`${url}/rpc/head`, { headers: { origin: ALLOWED } });
  assert.equal(head.headers.get('access-control-allow-origin'), ALLOWED);
  const missing = await fetch(`${url}/rpc/blocks/99`, { headers: { origin: ALLOWED } });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('access-control-allow-origin'), ALLOWED, 'a refusal is readable by the page');
  const other = await fetch(`${url}/rpc/head`, { headers: { origin: 'https://other.example' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  // webDir null: no web app at all, so a page path is an unknown route.
  assert.equal(((await (await fetch(`${url}/explorer`)).json()) as { error_code: string }).error_code, 'ROUTE_NOT_FOUND');
});

test('the web app at / and page paths; /web-config.json names this node and the coordinator it was given', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-web-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>AITBC explorer</title>');
  let coordinatorUrl: string | null = null;
  const { url } = await start({ webDir: dir, coordinatorUrl: () => coordinatorUrl });
  for (const path of ['/', '/explorer/block/12']) {
    const page = await fetch(url + path);
    assert.equal(page.status, 200, path);
    assert.match(await page.text(), /AITBC explorer/);
  }
  const unknown = await fetch(`${url}/rpc/nothing`);
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { error_code: string }).error_code, 'ROUTE_NOT_FOUND');
  assert.deepEqual(await (await fetch(`${url}/web-config.json`)).json(), { coordinator_url: null, chain_url: url });
  coordinatorUrl = 'http://127.0.0.1:8080';
  assert.deepEqual(await (await fetch(`${url}/web-config.json`)).json(), { coordinator_url: 'http://127.0.0.1:8080', chain_url: url });
});

test('GET /rpc/authorities: proposer order, addresses, latest votes, threshold and final height', async () => {
  const { node, keys, url } = await start({ webDir: null }, 4);
  const answer = (await (await fetch(`${url}/rpc/authorities`)).json()) as Record<string, any>;
  assert.equal(answer.finality_threshold, 3, 'more than two thirds of 4');
  assert.equal(answer.block_interval_ms, 100);
  assert.equal(answer.finalized_height, node.finalized().height);
  assert.equal(answer.head_height, node.head().header.height);
  assert.deepEqual(
    answer.authorities.map((authority: Record<string, unknown>) => [authority.position, authority.public_key, authority.address]),
    keys.map((key, position) => [position, base64urlEncode(key.publicKey), addressFromPublicKey(key.publicKey)]),
  );
  assert.ok(answer.authorities.every((authority: Record<string, unknown>) => authority.voted_height === null), 'no votes yet');
});
