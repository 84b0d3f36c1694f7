// Attacks on /p2p, where anyone may dial: a hello that points sync at another host or at an
// endless body and claims a huge height, a dialled peer doing the same, garbage and oversized
// messages, too many peers, and a peer that never reads. The node must keep producing blocks,
// fetch nothing it should not, read no page past its cap, and stay up.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { genesisHash } from '../src/genesis.ts';
import { rpcUrlOfInbound } from '../src/sync.ts';
import { until } from '@aitbc/testkit';
import { genesis, liveNode, openSocket, rssPeak, transfers, upgradeRefusal, type LiveNode } from './live-node.ts';

const MiB = 1024 * 1024;
const PAGE_BYTES = MiB;
/** Sync asks 100 blocks, then halves on each page too large: 100, 50, 25, 13, 7, 4, 2, 1. */
const MOST_PAGE_REQUESTS = 8;
const HUGE_HEIGHT = 1e15;

interface Endless {
  url: string;
  server: Server;
  requests: number;
  bytesWritten: number;
  /** Responses whose connection the client closed. */
  abandoned: number;
}

/** An HTTP server whose every answer is a JSON prefix followed by spaces forever (as fast as it is read). */
async function endlessServer(host: string, redirectTo?: string): Promise<Endless> {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const stats = { requests: 0, bytesWritten: 0, abandoned: 0 } as Endless;
  stats.server = createServer((request, response) => {
    stats.requests++;
    if (redirectTo) {
      response.writeHead(302, { location: `${redirectTo}${request.url}` }).end();
      return;
    }
    response.on('close', () => stats.abandoned++);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"blocks":[');
    const pump = () => {
      while (!response.destroyed) {
        stats.bytesWritten += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
    };
    pump();
  });
  await new Promise<void>((resolve) => stats.server.listen(0, host, resolve));
  stats.url = `http://${host}:${(stats.server.address() as AddressInfo).port}`;
  return stats;
}

const hello = (rpcUrl: string, height = HUGE_HEIGHT) => JSON.stringify({ type: 'hello', chain_id: genesis.chain_id, genesis_hash: genesisHash(genesis), height, rpc_url: rpcUrl, votes: [] });

const openPeer = (live: LiveNode) => openSocket(live, '/p2p');

/** Submits transfers and waits until the node has put them in blocks: it is still producing. */
async function producesBlocks(live: LiveNode, blocks = 3): Promise<void> {
  const start = live.node.head().header.height;
  while (live.node.head().header.height < start + blocks) {
    for (const tx of transfers(live.node, 2)) live.node.submit(tx);
    await until(() => live.node.pending().length === 0, 'the transfers to be included', 10_000);
  }
}

test('a peer that dials in cannot point sync at another host, is read no further than the page cap at its own, and cannot hold production', async () => {
  const live = await liveNode({ gossip: { syncPageBytes: PAGE_BYTES } });
  const foreign = await endlessServer('127.0.0.2');
  const own = await endlessServer('127.0.0.1');
  const redirecting = await endlessServer('127.0.0.1', foreign.url);
  const memory = rssPeak();
  try {
    const toForeign = await openPeer(live);
    for (let i = 0; i < 3; i++) toForeign.send(hello(foreign.url));
    const viaRedirect = await openPeer(live);
    viaRedirect.send(hello(redirecting.url));
    const endless = await openPeer(live);
    for (let i = 0; i < 3; i++) endless.send(hello(own.url)); // a repeated hello does not start sync again
    await producesBlocks(live);
    await until(() => live.logs.some((event) => event.event === 'sync_failed' && event.peer === own.url), 'the sync from the endless peer to give up');
    await until(() => own.abandoned === own.requests, 'every endless page to be closed by the node');
    await producesBlocks(live);

    assert.equal(foreign.requests, 0, 'a hello naming another host is never fetched');
    assert.equal(redirecting.requests, 1, 'the peer at its own address is asked once');
    assert.ok(
      live.logs.some((event) => event.event === 'sync_failed' && event.peer === redirecting.url),
      'its redirect to another host is not followed',
    );
    assert.ok(own.requests >= 1 && own.requests <= MOST_PAGE_REQUESTS, `pages asked of the endless peer: ${own.requests}`);
    // Each page stops at the cap; what the server wrote beyond it sat in the kernel's socket buffers.
    assert.ok(own.bytesWritten < MOST_PAGE_REQUESTS * (PAGE_BYTES + 8 * MiB), `the endless peer wrote ${own.bytesWritten} bytes`);
    const growth = memory.stop();
    assert.ok(growth < 96 * MiB, `resident memory grew ${Math.round(growth / MiB)} MiB`);
    for (const socket of [toForeign, viaRedirect, endless]) socket.terminate();
  } finally {
    memory.stop();
    for (const server of [foreign, own, redirecting]) server.server.close();
  }
});

test('a dialled peer that claims a huge height and serves endless pages holds neither production nor memory', async () => {
  const hostile = await endlessServer('127.0.0.1');
  const wss = new WebSocketServer({ server: hostile.server, path: '/p2p' });
  wss.on('connection', (socket) => socket.send(hello(hostile.url))); // ignored: sync goes to the dialled address
  const memory = rssPeak();
  try {
    const live = await liveNode({ gossip: { peers: [`ws://127.0.0.1:${(hostile.server.address() as AddressInfo).port}/p2p`], syncPageBytes: PAGE_BYTES } });
    await producesBlocks(live);
    await until(() => live.logs.some((event) => event.event === 'sync_failed'), 'the sync from the hostile peer to give up');
    assert.ok(hostile.requests >= 1 && hostile.requests <= MOST_PAGE_REQUESTS, `pages asked: ${hostile.requests}`);
    assert.ok(hostile.bytesWritten < MOST_PAGE_REQUESTS * (PAGE_BYTES + 8 * MiB), `the hostile peer wrote ${hostile.bytesWritten} bytes`);
    const growth = memory.stop();
    assert.ok(growth < 96 * MiB, `resident memory grew ${Math.round(growth / MiB)} MiB`);
  } finally {
    memory.stop();
    wss.close();
    hostile.server.closeAllConnections();
    hostile.server.close();
  }
});

test('garbage, out-of-order and oversized peer messages are dropped and the node stays up', async () => {
  const live = await liveNode({ gossip: { maxMessageBytes: 256 * 1024 } });
  const peer = await openPeer(live);
  const kept = transfers(live.node, 1)[0];
  peer.send(JSON.stringify({ type: 'tx', tx: kept })); // before hello: ignored
  peer.send(hello('http://127.0.0.1:1', 0));
  const garbage = [
    'null', '5', '"text"', '[]', '{}', '{"type":7}', 'not json', '['.repeat(200_000),
    JSON.stringify({ type: 'hello', votes: 5, height: 'high' }),
    JSON.stringify({ type: 'block', block: null }),
    JSON.stringify({ type: 'block', block: { header: { height: 1e300 }, hash: 5, txs: 'x' } }),
    JSON.stringify({ type: 'block', block: { header: null, hash: 'h', signature: 's', txs: [] } }),
    JSON.stringify({ type: 'tx', tx: { body: null } }),
    JSON.stringify({ type: 'tx', tx: 'x' }),
    JSON.stringify({ type: 'vote', vote: [] }),
    JSON.stringify({ type: 'vote', vote: { authority: genesis.authorities[0], height: 1, hash: 'x'.repeat(64), signature: 7 } }),
  ];
  for (let round = 0; round < 20; round++) for (const text of garbage) peer.send(text);
  peer.send(Buffer.from([0xff, 0x00, 0xfe]), { binary: true });
  peer.send(JSON.stringify({ type: 'tx', tx: kept }));
  await until(() => live.node.head().txs.length > 0 || live.node.pending().length > 0, 'the genuine transaction after the garbage to be taken');

  const closed = new Promise<number>((resolve) => peer.once('close', resolve));
  peer.send('"' + 'x'.repeat(300 * 1024) + '"');
  assert.equal(await closed, 1009, 'a message over the cap closes the peer (1009: too big)');

  const another = await openPeer(live);
  another.send(JSON.stringify({ type: 'hello', genesis_hash: 'another', votes: [] }));
  const refused = await new Promise<[number, string]>((resolve) => another.once('close', (code, reason) => resolve([code, reason.toString()])));
  assert.deepEqual(refused, [1008, 'another genesis']);
  await producesBlocks(live);
  assert.equal((await fetch(`http://127.0.0.1:${live.port}/rpc/head`)).status, 200);
});

test('peers that dial in are counted (one too many is refused with 503), and a peer that never reads is dropped with 1008', async () => {
  const live = await liveNode({ gossip: { maxInboundPeers: 2, maxPeerBufferedBytes: 64 * 1024 } });
  const reader = await openPeer(live);
  const heard: string[] = [];
  reader.on('message', (data) => heard.push(JSON.parse(data.toString()).type));
  reader.send(hello('http://127.0.0.1:1', 0));
  const stalled = await openPeer(live);
  stalled.send(hello('http://127.0.0.1:1', 0));
  (stalled as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

  const refusal = await upgradeRefusal(live, '/p2p');
  assert.equal(refusal.status, 503);
  assert.equal(refusal.body.error_code, 'SYSTEM_OVERLOADED');

  // Transactions and blocks go to both peers until the stalled one has too much unread.
  const dropped = new Promise<[number, string]>((resolve) => stalled.once('close', (code, reason) => resolve([code, reason.toString()])));
  const memo = 'm'.repeat(256);
  while (live.gossip.count() === 2) {
    for (const tx of transfers(live.node, 400, memo)) live.node.submit(tx);
    await until(() => live.node.pending().length === 0, 'the transfers to be included', 10_000);
  }
  (stalled as unknown as { _socket: { resume(): void } })._socket.resume();
  const [code, reason] = await dropped;
  assert.equal(code, 1008);
  assert.match(reason, /peer too slow: more than 65536 bytes unread/);
  const blocksHeard = heard.filter((type) => type === 'block').length;
  await producesBlocks(live);
  await until(() => heard.filter((type) => type === 'block').length > blocksHeard, 'the reading peer to hear new blocks');
  const third = await openPeer(live); // the dropped peer's place is free again
  third.terminate();
  reader.terminate();
});

test('a peer that never says hello does not keep its place', async () => {
  const live = await liveNode({ gossip: { maxInboundPeers: 1, helloTimeoutMs: 200 } });
  const silent = await openPeer(live);
  const closed = new Promise<[number, string]>((resolve) => silent.once('close', (code, reason) => resolve([code, reason.toString()])));
  assert.deepEqual(await closed, [1008, 'no hello']);
  await until(() => !live.gossip.full(), 'its place to be free');
  (await openPeer(live)).terminate();
});

test('an inbound peer\'s rpc_url counts only on the address it dialled from', () => {
  assert.equal(rpcUrlOfInbound('http://127.0.0.1:8545/anything', '127.0.0.1'), 'http://127.0.0.1:8545');
  assert.equal(rpcUrlOfInbound('http://127.0.0.1:8545', '::ffff:127.0.0.1'), 'http://127.0.0.1:8545');
  assert.equal(rpcUrlOfInbound('http://[::1]:8545', '::1'), 'http://[::1]:8545');
  for (const claimed of ['http://10.0.0.5:8545', 'http://localhost:8545', 'file:///etc/passwd', 'http://user:pw@127.0.0.1:1', 'ftp://127.0.0.1', 'not a url', 5, null]) {
    assert.equal(rpcUrlOfInbound(claimed, '127.0.0.1'), null, String(claimed));
  }
  assert.equal(rpcUrlOfInbound('http://127.0.0.1:8545', null), null);
});


