import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalWorkSignal, type WaitingMiner, type WorkHint, type WorkSignal } from './work-signal.ts';

const waiting = (minerId: string, scorePpm: number, extra: Partial<WaitingMiner> = {}): WaitingMiner => ({
  minerId,
  models: new Set(['llama3.2']),
  ownerKeyId: `key-${minerId}`,
  digests: new Map(),
  scorePpm,
  paused: false,
  mayVerify: true,
  ...extra,
});

const job = (extra: Partial<WorkHint> = {}): WorkHint => ({ model: 'llama3.2', pinnedMinerId: null, ...extra });

/** Starts each miner waiting, in order; `woken()` lists who has been woken so far. */
function waitAll(signal: WorkSignal, miners: WaitingMiner[]) {
  const order: string[] = [];
  const abort = new AbortController();
  const done = miners.map((miner) => signal.wait(signal.generation, 60_000, miner, abort.signal).then(() => order.push(miner.minerId)));
  return {
    woken: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return [...order];
    },
    stop: async () => {
      abort.abort();
      await Promise.all(done);
    },
  };
}

test('a job wakes the best-scored waiting miner that fits it, not the longest waiting; equal scores go by arrival', async () => {
  const signal = new LocalWorkSignal();
  const waiters = waitAll(signal, [waiting('early-low', 100_000), waiting('late-high', 900_000), waiting('later-high', 900_000)]);
  signal.notify(job());
  assert.deepEqual(await waiters.woken(), ['late-high']);
  signal.notify(job());
  assert.deepEqual(await waiters.woken(), ['late-high', 'later-high']);
  signal.notify(job());
  assert.deepEqual(await waiters.woken(), ['late-high', 'later-high', 'early-low']);
  await waiters.stop();
});

test('a better score does not take work it cannot claim: minimum score, excluded owner, paused, or a re-run it may not verify', async () => {
  const signal = new LocalWorkSignal();
  const waiters = waitAll(signal, [
    waiting('fresh', 100_000, { mayVerify: false }),
    waiting('paused', 990_000, { paused: true }),
    waiting('excluded', 950_000),
    waiting('fit', 500_000),
  ]);
  signal.notify(job({ purpose: 'reexecution', excludedOwners: ['key-excluded'] }));
  assert.deepEqual(await waiters.woken(), ['fit']);
  signal.notify(job({ purpose: 'tiebreak' }));
  assert.deepEqual(await waiters.woken(), ['fit', 'excluded']);
  signal.notify(job({ purpose: 'tiebreak' }));
  assert.deepEqual(await waiters.woken(), ['fit', 'excluded'], 'nobody left who may verify');
  signal.notify(job({ minReputationPpm: 200_000 }));
  assert.deepEqual(await waiters.woken(), ['fit', 'excluded'], 'the fresh miner scores too low');
  signal.notify(job({ purpose: 'canary', pinnedMinerId: 'paused' }));
  assert.deepEqual(await waiters.woken(), ['fit', 'excluded', 'paused'], 'a canary pinned to a paused miner wakes it');
  signal.notify(job());
  assert.deepEqual(await waiters.woken(), ['fit', 'excluded', 'paused', 'fresh']);
  await waiters.stop();
});
