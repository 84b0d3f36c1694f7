// The verification ladder end to end, with real processes: an `aitbc coordinator` with its check
// rates set by flags, and `aitbc miner --backend demo` processes under separate miner keys (separate
// owners), some of them test-only cheaters (`--cheat`). Honest miners are never flagged, cheaters
// are paused, and every client and the verification account pay exactly what ran.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Market, accountedFor, allJobs, demoJob, minerEvents, untilSettled } from './market.ts';

const OTHER_DIGEST = `sha256:${'0b'.repeat(32)}`;

// A real daemon signs the digest it advertised at start; the only way it signs one the coordinator
// does not hold for it is the advertisement changing under it. The refusal is the coordinator's 422
// VALIDATION_INVALID_FORMAT on receipt.model_digest (packages/coordinator/test/receipt-v2.test.ts
// checks status and field over HTTP); here the miner process meets it.
test('a receipt naming a digest the miner no longer advertises is refused, and nobody pays for it', async () => {
  const market = await Market.start();
  const miner = await market.startMiner('swapped');
  const registered = await market.miner('swapped');
  const signed = registered.digests.demo!;
  // The operator re-registers the miner id with other weights while the running daemon still signs
  // the digest it started with: the coordinator holds it to what it advertises now.
  await miner.client.miners.register({ miner_id: 'swapped', public_key: registered.public_key, models: ['demo'], prices: registered.prices, max_concurrency: 1, digests: { demo: OTHER_DIGEST } });
  assert.deepEqual((await market.miner('swapped')).digests, { demo: OTHER_DIGEST });

  const alice = await market.client('alice', '10');
  const { job_id } = await alice.jobs.submit(demoJob(1));
  const ended = await untilSettled(alice, 'the job to end').then(() => alice.jobs.get(job_id));
  assert.equal(ended.status, 'failed', 'no receipt was accepted');
  assert.equal(ended.price, null);
  assert.match(ended.error ?? '', /failed after 3 attempts; last on miner swapped: .*Receipt field 'model_digest' must be/, 'the client is told why');
  const refusals = minerEvents(miner, 'job_failed');
  assert.ok(refusals.length > 0, miner.process.output());
  for (const { detail } of refusals) {
    assert.ok(String(detail).startsWith(`VALIDATION_INVALID_FORMAT: Receipt field 'model_digest' must be "${OTHER_DIGEST}", the digest miner swapped advertised for model demo, got "${signed}"`), String(detail));
  }
  assert.deepEqual(minerEvents(miner, 'job_completed'), []);
  assert.equal(await accountedFor(alice, await allJobs(alice)), '10', 'refunded whole');
  assert.equal((await miner.client.miners.earnings('swapped')).earned, '0');
  const audit = await market.audit();
  assert.ok(audit.ok, audit.problems.join('\n'));
});
