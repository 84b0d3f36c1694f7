// The shared hub and work signal between two "processes" (two of each on their own bus
// connections to one Redis), with stand-ins for the miner's socket: what crosses, what is held
// back, and what is refused when the bus loses something or nobody answers.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { until } from '@aitbc/testkit';
import type { Bus } from '../src/bus/bus.ts';
import { RedisBus } from '../src/bus/redis-bus.ts';
import { SharedStreamHub } from '../src/services/shared-stream-hub.ts';
import { SharedWorkSignal, WORK_TOPIC } from '../src/services/shared-work-signal.ts';
import type { StreamEvent } from '../src/services/stream-hub.ts';

/** A job submitted live: one a client watches as it is made. */
const live = (jobId: string) => ({ jobId, live: true });

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined } as never;
const namespace = `aitbc_t_${randomBytes(6).toString('hex')}`;
let busA: Bus;
let busB: Bus;
let hubA: SharedStreamHub;
let hubB: SharedStreamHub;

before(async () => {
  busA = await RedisBus.open('redis://127.0.0.1:6379', namespace, quiet);
  busB = await RedisBus.open('redis://127.0.0.1:6379', namespace, quiet);
  hubA = await SharedStreamHub.open(1_000, busA, 'proc-a', quiet);
  hubB = await SharedStreamHub.open(1_000, busB, 'proc-b', quiet);
});

after(async () => {
  hubA.close();
  hubB.close();
  await busA.close();
  await busB.close();
});

function minerSocket() {
  const calls: string[] = [];
  return { calls, control: { stop: (reason: string) => calls.push(`stop: ${reason}`), pause: () => calls.push('pause'), resume: () => calls.push('resume') } };
}

/** A watcher on A that records the text it is shown. */
async function watchOnA(jobId: string) {
  const shown: string[] = [];
  const events: StreamEvent[] = [];
  const unwatch = await hubA.watch(jobId, true, (event) => {
    events.push(event);
    if (event.type === 'text') shown.push(event.text);
  });
  await until(() => hubB.isLive(live(jobId)), 'B to hear of the watch');
  return { shown, events, unwatch };
}

/** A watcher on A, a miner's socket on B, and a first piece shown across. */
async function streamingAcross(jobId: string, first: string) {
  const watcher = await watchOnA(jobId);
  const miner = minerSocket();
  assert.equal(await hubB.attachMiner(jobId, miner.control), true);
  assert.equal(hubB.text(jobId, first), 'relayed');
  await until(() => watcher.shown.join('') === first, 'A to show the first piece');
  return { watcher, miner };
}

test("a watcher on A that stops reading pauses the miner's socket on B until it reads again; a hang-up stops it", async () => {
  const { watcher, miner } = await streamingAcross('job-hold', 'a');
  const release = hubA.hold('job-hold');
  await until(() => miner.calls.includes('pause'), 'the pause to reach B');
  release();
  await until(() => miner.calls.includes('resume'), 'the resume to reach B');
  assert.equal(hubA.stop('job-hold', 'the client disconnected'), true, 'A knows a miner streams the job');
  await until(() => miner.calls.includes('stop: the client disconnected'), 'the stop to reach B');
  assert.deepEqual(miner.calls, ['pause', 'resume', 'stop: the client disconnected']);
  watcher.unwatch();
  await until(async () => !(await hubB.isLive(live('job-hold'))), 'B to hear that nobody watches');
  assert.equal(hubB.text('job-hold', 'more'), 'not_watched', 'nothing is relayed to nobody');
});

test('a resume lost on the bus is sent again when a process comes back and asks for everyone\'s state', async () => {
  const { watcher, miner } = await streamingAcross('job-lost-resume', 'a');
  const release = hubA.hold('job-lost-resume');
  await until(() => miner.calls.includes('pause'), 'the pause to reach B');
  // B stops hearing the bus while the resume goes out (as if Redis restarted)...
  const hearing = (hubB as unknown as { received: (message: unknown) => void }).received;
  (hubB as unknown as { received: () => void }).received = () => undefined;
  release();
  await new Promise((resolve) => setTimeout(resolve, 100));
  (hubB as unknown as { received: unknown }).received = hearing;
  assert.deepEqual(miner.calls, ['pause']);
  // ...then a process that reconnected asks everyone to say again what they know.
  await busB.publish('stream', JSON.stringify({ t: 'sync', job: '', from: 'proc-c' }));
  await until(() => miner.calls.includes('resume'), 'the resume to be sent again');
  watcher.unwatch();
});

test('a completion judged on B waits for the pieces still on the bus, then A shows nothing past what was judged', async () => {
  const watcher = await watchOnA('job-seal');
  const miner = minerSocket();
  assert.equal(await hubB.attachMiner('job-seal', miner.control), true);
  for (const piece of ['one ', 'two ', 'three']) hubB.text('job-seal', piece);
  // Asked at once, before A has been shown all three: A waits for them, then answers.
  assert.equal(await hubB.matchesRelayed(live('job-seal'), 'one two three'), true);
  assert.equal(await hubB.relayedChars(live('job-seal')), 'one two three'.length);
  hubB.text('job-seal', ' and four');
  assert.equal(await hubB.matchesRelayed(live('job-seal'), 'one two three'), true, 'the piece after the check was not shown');
  assert.equal(watcher.shown.join(''), 'one two three');
  hubB.completed('job-seal', {} as never, {} as never);
  await until(() => watcher.events.some((event) => event.type === 'ended'), 'A to hear that the job ended');
  watcher.unwatch();
});

test('a piece lost on the bus stops the showing, so the completion differs and is refused; the limit holds on A too', async () => {
  const { watcher } = await streamingAcross('job-gap', 'kept ');
  // A piece that never reaches A: B numbered it, then the bus lost it.
  (hubB as unknown as { outbound: Map<string, { seq: number }> }).outbound.get('job-gap')!.seq++;
  hubB.text('job-gap', 'after the gap');
  assert.equal(await hubB.matchesRelayed(live('job-gap'), 'kept lost after the gap'), false);
  assert.equal(watcher.shown.join(''), 'kept ', 'nothing after the gap was shown');
  watcher.unwatch();

  const limited = await watchOnA('job-limit');
  await hubB.attachMiner('job-limit', minerSocket().control);
  // B's own count is fresh (a second stream, say), so only A's limit of 1000 bytes stands in the way.
  (hubB as unknown as { outbound: Map<string, { bytes: number }> }).outbound.get('job-limit')!.bytes = -1_000;
  hubB.text('job-limit', 'x'.repeat(900));
  hubB.text('job-limit', 'y'.repeat(200));
  assert.equal(await hubB.matchesRelayed(live('job-limit'), 'x'.repeat(900) + 'y'.repeat(200)), false);
  assert.equal(limited.shown.join(''), 'x'.repeat(900));
  limited.unwatch();
});

test("a completion whose client's coordinator does not answer is refused; relayedChars is then unknown", async () => {
  await streamingAcross('job-silent', 'shown');
  // A's process stops hearing the bus (as if it died without saying so).
  (hubA as unknown as { received: () => void }).received = () => undefined;
  const [matches, relayed] = await Promise.all([hubB.matchesRelayed(live('job-silent'), 'shown'), hubB.relayedChars(live('job-silent'))]);
  assert.equal(matches, false);
  assert.equal(relayed, null);
});

test('a notify in one process wakes a fitting waiter in the other at once, and its own process once, not twice', async () => {
  const signalA = await SharedWorkSignal.open(busA, 'proc-a', quiet);
  const signalB = await SharedWorkSignal.open(busB, 'proc-b', quiet);
  try {
    const who = (minerId: string) => ({ minerId, models: new Set(['m']), ownerKeyId: 'owner', digests: new Map(), scorePpm: 0, paused: false, mayVerify: true });
    const woken: string[] = [];
    for (const minerId of ['a-1', 'a-2', 'a-3']) void signalA.wait(signalA.generation, 60_000, who(minerId)).then(() => woken.push(minerId));
    signalB.notify({ model: 'm', pinnedMinerId: null });
    await until(() => woken.length === 1, 'a waiter on A to wake');
    // A's own notify comes back to A over the bus too: it must not wake a third waiter there.
    const echoes: string[] = [];
    const unsubscribe = await busA.subscribe(WORK_TOPIC, (message) => echoes.push(message));
    signalA.notify({ model: 'm', pinnedMinerId: null });
    await until(() => echoes.length === 1, 'A to hear its own notify back');
    unsubscribe();
    assert.deepEqual(woken, ['a-1', 'a-2'], 'one waiter per notify');
    assert.equal(signalA.waiting, 1);
  } finally {
    signalA.close();
    signalB.close();
  }
});
