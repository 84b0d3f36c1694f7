// Attacks on WS /rpc/ws: many subscribers that never read while blocks full of transactions are
// made (they are dropped with 1008 and the memory they can hold stays bounded, while a subscriber
// that reads keeps getting every head), one subscriber too many (503), and subscribers that send.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { until } from '@aitbc/testkit';
import { liveNode, openSocket, transfers, upgradeRefusal, type LiveNode } from './live-node.ts';

const MiB = 1024 * 1024;

type RawSocket = { _socket: { pause(): void; resume(): void } };

const subscribe = (live: LiveNode, topics = 'heads,txs,finalized') => openSocket(live, `/rpc/ws?topics=${topics}`);

const closeOf = (socket: WebSocket) => new Promise<[number, string]>((resolve) => socket.once('close', (code, reason) => resolve([code, reason.toString()])));

test('subscribers that never read are dropped (1008), hold bounded memory, and do not stop the heads of one that reads', async () => {
  const STALLED = 30;
  const BUFFER = 64 * 1024;
  const live = await liveNode({ subscriptions: { maxBufferedBytes: BUFFER } });
  const reader = await subscribe(live, 'heads');
  const heads: number[] = [];
  reader.on('message', (data) => heads.push(JSON.parse(data.toString()).height));
  const stalled = await Promise.all(Array.from({ length: STALLED }, () => subscribe(live)));
  for (const socket of stalled) (socket as unknown as RawSocket)._socket.pause();
  const closes = stalled.map(closeOf);

  // Each transaction is two messages (pending, included) of ~130 bytes to every stalled subscriber.
  const before = process.memoryUsage().arrayBuffers;
  let sentEach = 0;
  let peak = 0;
  // Server side, a dropped subscriber is CLOSING (its close frame waits behind what it did not read).
  const served = () => [...live.rpc.websocketServer.clients].filter((socket) => socket.readyState === WebSocket.OPEN).length;
  while (served() > 1 && sentEach < 8 * MiB) {
    for (const tx of transfers(live.node, 1_000)) live.node.submit(tx);
    await until(() => live.node.pending().length === 0, 'the transfers to be included', 10_000);
    sentEach += 1_000 * 2 * 130;
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
  }
  assert.equal(served(), 1, `only the reader is left after ~${Math.round(sentEach / MiB)} MiB sent to each stalled subscriber`);
  // The kernel takes ~4 MiB per socket before ws buffers; unbounded, the stalled subscribers would
  // hold the rest of up to 8 MiB each (over 100 MiB here). Bounded: BUFFER and a message each.
  assert.ok(peak < 32 * MiB, `buffers grew ${Math.round(peak / MiB)} MiB`);

  (stalled[0] as unknown as RawSocket)._socket.resume();
  const [code, reason] = await closes[0]!;
  assert.equal(code, 1008);
  assert.equal(reason, `subscriber too slow: more than ${BUFFER} bytes unread`);

  const height = live.node.head().header.height;
  await until(() => heads.at(-1) === height, 'the reader to hear the latest head');
  assert.deepEqual(heads, Array.from({ length: height }, (_, index) => index + 1), 'the reader heard every head, in order');
  for (const socket of [reader, ...stalled]) socket.terminate();
});

test('one subscriber too many is refused with 503 SYSTEM_OVERLOADED; a place freed is taken again', async () => {
  const live = await liveNode({ subscriptions: { maxSubscribers: 3 } });
  const first = await Promise.all([subscribe(live), subscribe(live), subscribe(live)]);
  const refusal = await upgradeRefusal(live, '/rpc/ws');
  assert.equal(refusal.status, 503);
  const envelope = refusal.body;
  assert.equal(envelope.error_code, 'SYSTEM_OVERLOADED');
  assert.match(String(envelope.detail), /subscribers/);
  assert.equal(typeof envelope.request_id, 'string');

  const closed = closeOf(first[0]!);
  first[0]!.close();
  await closed;
  await until(() => live.rpc.websocketServer.clients.size === 2, 'the server to let the subscriber go');
  const again = await subscribe(live, 'heads');
  const heard = new Promise((resolve) => again.once('message', resolve));
  for (const tx of transfers(live.node, 1)) live.node.submit(tx);
  await heard;
  for (const socket of [again, ...first]) socket.terminate();
});

test('a subscriber that sends garbage is ignored, one that sends a large message is closed (1009), and the node goes on', async () => {
  const live = await liveNode();
  const chatty = await subscribe(live, 'heads');
  const heard: number[] = [];
  chatty.on('message', (data) => heard.push(JSON.parse(data.toString()).height));
  for (const text of ['null', 'garbage', '{"type":"hello"}', '['.repeat(1000)]) chatty.send(text);
  chatty.send(Buffer.from([1, 2, 3]), { binary: true });
  for (const tx of transfers(live.node, 1)) live.node.submit(tx);
  await until(() => heard.length > 0, 'the chatty subscriber to still get heads');

  const big = await subscribe(live, 'heads');
  const closed = closeOf(big);
  big.send('x'.repeat(64 * 1024));
  assert.equal((await closed)[0], 1009);
  const repeated = new WebSocket(`ws://127.0.0.1:${live.port}/rpc/ws?topics=heads&topics=bogus`);
  const reply = await new Promise<string>((resolve) => repeated.once('message', (data) => resolve(data.toString())));
  assert.equal(JSON.parse(reply).field, 'topics', 'a repeated topics parameter is read as one list, not a crash');
  assert.equal((await fetch(`http://127.0.0.1:${live.port}/rpc/head`)).status, 200);
  chatty.terminate();
});

test('a listener that throws neither undoes the block nor silences the other listeners, and is reported', async () => {
  const live = await liveNode();
  const subscriber = await subscribe(live, 'heads');
  const heard = new Promise((resolve) => subscriber.once('message', resolve));
  const reported: unknown[] = [];
  live.node.on('listener_error', (error: Error, event: string) => reported.push([event, error.message]));
  live.node.on('block', () => {
    throw new Error('a broken listener');
  });
  for (const tx of transfers(live.node, 1)) live.node.submit(tx);
  await heard;
  assert.equal(live.node.head().header.height, 1, 'the block stays on the chain');
  assert.deepEqual(reported[0], ['block', 'a broken listener']);
  subscriber.terminate();
});
