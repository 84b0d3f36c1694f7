// The hub's bookkeeping of one job's live stream: the per-job limit, what a completion is held
// to, and pausing the miner while a watcher cannot keep up.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalStreamHub } from '../src/services/stream-hub.ts';

/** A job submitted live: one a client watches as it is made. */
const live = (jobId: string) => ({ jobId, live: true });

const silent = { error: () => undefined };

function minerControl() {
  const calls: string[] = [];
  return { calls, control: { stop: (reason: string) => calls.push(`stop: ${reason}`), pause: () => calls.push('pause'), resume: () => calls.push('resume') } };
}

test('a completion must be exactly the relayed text, compared across pieces (a surrogate pair split between two)', async () => {
  const hub = new LocalStreamHub(1024, silent);
  const seen: string[] = [];
  await hub.watch('job-1', true, (event) => event.type === 'text' && seen.push(event.text));
  assert.ok(await hub.matchesRelayed(live('job-1'), 'anything'), 'nothing relayed yet: any output (sent whole at completion)');
  assert.ok(await hub.attachMiner('job-1', minerControl().control));
  for (const piece of ['Smile ', '\ud83d', '\ude00', '!']) assert.equal(hub.text('job-1', piece), 'relayed');
  assert.equal(seen.join(''), 'Smile 😀!');
  assert.equal(await hub.relayedChars(live('job-1')), 'Smile 😀!'.length);
  assert.ok(await hub.matchesRelayed(live('job-1'), 'Smile 😀!'));
  for (const other of ['Smile 😀', 'Smile 😀!!', 'Smile 😁!', '']) assert.ok(!(await hub.matchesRelayed(live('job-1'), other)), JSON.stringify(other));
});

test('a job streams at most its limit in UTF-8 bytes; a piece that would pass it is not relayed', async () => {
  const hub = new LocalStreamHub(10, silent);
  const seen: string[] = [];
  await hub.watch('job-2', true, (event) => event.type === 'text' && seen.push(event.text));
  await hub.attachMiner('job-2', minerControl().control);
  assert.equal(hub.text('job-2', 'ééé'), 'relayed'); // 6 bytes
  assert.equal(hub.text('job-2', 'abcde'), 'over_limit'); // 11 > 10
  assert.equal(hub.text('job-2', 'abcd'), 'relayed'); // 10
  assert.deepEqual(seen, ['ééé', 'abcd']);
  assert.equal(hub.text('nobody-watches', 'x'), 'not_watched');
});

test('a miner stream for a job nobody waits on live is not attached', async () => {
  const hub = new LocalStreamHub(10, silent);
  await hub.watch('job-3', false, () => undefined);
  assert.equal(await hub.attachMiner('job-3', minerControl().control), false);
  assert.equal(hub.text('job-3', 'x'), 'not_watched');
});

test("the miner's stream is paused while any watcher holds it, and resumed when the last lets go", async () => {
  const hub = new LocalStreamHub(100, silent);
  await hub.watch('job-4', true, () => undefined);
  await hub.watch('job-4', true, () => undefined);
  const first = hub.hold('job-4'); // a hold before the miner dials: it starts paused
  const { calls, control } = minerControl();
  await hub.attachMiner('job-4', control);
  const second = hub.hold('job-4');
  first();
  first(); // releasing twice counts once
  assert.deepEqual(calls, ['pause']);
  second();
  assert.deepEqual(calls, ['pause', 'resume']);
});

test('a watcher that throws is logged and dropped; the others still get every event', async () => {
  const logged: unknown[] = [];
  const hub = new LocalStreamHub(100, { error: (object: unknown) => logged.push(object) } as never);
  const seen: string[] = [];
  await hub.watch('job-5', true, () => {
    throw new Error('broken');
  });
  await hub.watch('job-5', true, (event) => event.type === 'text' && seen.push(event.text));
  await hub.attachMiner('job-5', minerControl().control);
  hub.text('job-5', 'a');
  hub.text('job-5', 'b');
  assert.deepEqual(seen, ['a', 'b']);
  assert.equal(logged.length, 1, 'dropped after its first failure');
});
