// Attacks on the coordinator's memory through live streams, against a coordinator in its own
// process (so that its memory figure is its own): a miner streaming far past a job's limit, in
// small messages or one huge one, and a client that opens a stream and never reads while the
// miner floods it. The coordinator must live on with bounded memory, and the client be refunded.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ADMIN_KEY } from '@aitbc/testkit/coordinator';
import { httpClient, until, type RequestFn } from '@aitbc/testkit';
import { claimJob, dialStream, errorEvent, openChatStream, readEvents, streamingMiner } from '@aitbc/testkit/streams';

const MiB = 1024 * 1024;
/** Memory the coordinator may gain while an attack sends it 100+ MiB (generous: the attack is 100 MiB or more). */
const MEMORY_MARGIN_BYTES = 40 * MiB;

interface MemoryUsage {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** A coordinator child process (test/stream-coordinator.ts) that answers questions about itself. */
class ChildCoordinator {
  private asked = 0;
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(config: Record<string, unknown>): Promise<ChildCoordinator> {
    const child = fork(fileURLToPath(new URL('./stream-coordinator.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      env: { ...process.env, AITBC_TEST_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (message: { url: string }) => resolve(message.url));
      child.once('exit', (code) => reject(new Error(`the coordinator exited (${code}) before listening`)));
    });
    return new ChildCoordinator(child, url);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  ask<T>(ask: 'memory' | 'ledger'): Promise<T> {
    const id = ++this.asked;
    return new Promise((resolve) => {
      const onMessage = (message: { id: number; answer: T }) => {
        if (message.id !== id) return;
        this.child.off('message', onMessage);
        resolve(message.answer);
      };
      this.child.on('message', onMessage);
      this.child.send({ id, ask });
    });
  }

  /** Heap and buffers together: where relayed text would pile up. */
  async heldBytes(): Promise<number> {
    const usage = await this.ask<MemoryUsage>('memory');
    return usage.heapUsed + usage.arrayBuffers;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exited;
  }
}

async function accounts(request: RequestFn, name: string) {
  const admin = (path: string, body: unknown) => request('POST', path, { key: ADMIN_KEY, body });
  const clientKey = (await admin('/v1/admin/keys', { scopes: ['client'], account: name })).body.key as string;
  await admin(`/v1/admin/accounts/${name}/credit`, { amount: '10' });
  const miner = await streamingMiner(request, (await admin('/v1/admin/keys', { scopes: ['miner'] })).body.key, `${name}-miner`);
  return { clientKey, miner };
}

const availableOf = async (request: RequestFn, key: string) => (await request('GET', '/v1/account', { key })).body.available as string;

let limited: ChildCoordinator;

before(async () => {
  limited = await ChildCoordinator.start({}); // defaults: a job streams at most the body limit, 4 MiB
});

after(async () => {
  await limited.stop();
});

test('a miner streaming 100 MiB in small messages is cut off at the job limit; the client gets an error event and its money back', async () => {
  const request = httpClient(limited.url);
  const { clientKey, miner } = await accounts(request, 'flooded');
  const before = await limited.heldBytes();
  const reader = readEvents(await openChatStream(limited.url, clientKey));
  const claim = await claimJob(miner);
  const stream = await dialStream(limited.url, miner, claim.job_id);
  const piece = 'x'.repeat(60_000);
  let sentBytes = 0;
  while (sentBytes < 100 * MiB && stream.socket.readyState === WebSocket.OPEN) {
    try {
      await stream.text(piece);
      sentBytes += piece.length;
    } catch {
      break; // the coordinator closed the stream
    }
  }
  const closed = await stream.closed;
  assert.equal(closed.code, 1009, 'closed as too big');
  assert.equal(closed.reason, 'PAYLOAD_TOO_LARGE');
  assert.match(stream.received.find((message) => message.error_code)?.detail ?? '', /passed 4194304 bytes, the most one job may stream/);
  // How much more the flooding miner writes before it reads the close depends on how the two
  // processes are scheduled (a loaded machine let one write all 100 MiB, read and dropped by the
  // coordinator); what must hold is below: nothing past the limit is relayed or kept.

  await reader.done;
  assert.ok(reader.text().length > 0 && reader.text().length <= 4 * MiB, 'the client got what was relayed, never past the limit');
  const error = errorEvent(reader.events);
  assert.equal(error?.error_code, 'SYSTEM_UPSTREAM_ERROR');
  assert.match(error!.detail, /streamed more than 4194304 bytes.*refunded/);
  assert.equal(await availableOf(request, clientKey), '10', 'the escrow is refunded whole');
  assert.equal((await request('GET', '/v1/health')).status, 200, 'the coordinator lives on');
  assert.ok((await limited.heldBytes()) - before < MEMORY_MARGIN_BYTES, 'nothing of the stream is kept');
  assert.deepEqual((await limited.ask<{ ok: boolean; problems: string[] }>('ledger')).problems, []);
});

test('a miner sending one 1 MiB message has its stream closed; the job fails and is refunded', async () => {
  const request = httpClient(limited.url);
  const { clientKey, miner } = await accounts(request, 'bigmessage');
  const reader = readEvents(await openChatStream(limited.url, clientKey));
  const claim = await claimJob(miner);
  const stream = await dialStream(limited.url, miner, claim.job_id);
  await stream.text('z'.repeat(MiB)).catch(() => undefined);
  assert.equal((await stream.closed).code, 1009, 'a message over 64 KiB is refused by size');
  await reader.done;
  assert.equal(reader.text(), '');
  assert.match(errorEvent(reader.events)?.detail ?? '', /stream broke.*refunded/);
  assert.equal(await availableOf(request, clientKey), '10');
  assert.ok(limited.alive);
  assert.deepEqual((await limited.ask<{ problems: string[] }>('ledger')).problems, []);
});

test('a client that never reads while the miner floods 128 MiB: the miner is paused, memory stays bounded, the stalled client is dropped and refunded', async () => {
  // A stream limit far above the flood, so that only backpressure stands between it and memory.
  const coordinator = await ChildCoordinator.start({ maxStreamBytes: 1024 * MiB, clientStallMs: 3_000 });
  try {
    const request = httpClient(coordinator.url);
    const { clientKey, miner } = await accounts(request, 'sleeper');
    const response = await openChatStream(coordinator.url, clientKey);
    response.pause(); // and never reads
    const claim = await claimJob(miner);
    const stream = await dialStream(coordinator.url, miner, claim.job_id);
    const before = await coordinator.heldBytes();

    // The whole flood is queued on the miner's side at once, without waiting on the coordinator.
    const message = JSON.stringify({ type: 'text', text: 'y'.repeat(60_000) });
    const floodBytes = 128 * MiB;
    for (let queued = 0; queued < floodBytes; queued += message.length) stream.socket.send(message);
    // The coordinator stops reading: the miner's queue stops shrinking.
    await until(async () => {
      const queued = stream.socket.bufferedAmount;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return stream.socket.bufferedAmount === queued;
    }, 'the coordinator to stop reading the miner');
    assert.ok(stream.socket.bufferedAmount > floodBytes / 2, `most of the flood still waits on the miner's side (${stream.socket.bufferedAmount} bytes)`);
    assert.ok((await coordinator.heldBytes()) - before < MEMORY_MARGIN_BYTES, 'the coordinator holds a bounded amount for the stalled client');

    // Still nothing read: after the stall limit the client counts as gone, and the miner is told to stop.
    await until(() => stream.received.some((received) => received.type === 'stop' && /client disconnected/.test(received.reason ?? '')), 'the stalled client to be dropped');
    // The coordinator reads on (the flood goes nowhere now), still within bounds.
    await until(() => stream.socket.bufferedAmount === 0, 'the rest of the flood to be read');
    assert.ok((await coordinator.heldBytes()) - before < MEMORY_MARGIN_BYTES, 'nothing of the flood is kept');
    stream.socket.terminate(); // the miner gives up without completing: the job fails
    await until(async () => (await availableOf(request, clientKey)) === '10', 'the escrow to be refunded');
    assert.ok(coordinator.alive);
    assert.deepEqual((await coordinator.ask<{ problems: string[] }>('ledger')).problems, []);
    response.destroy();
  } finally {
    await coordinator.stop();
  }
});
