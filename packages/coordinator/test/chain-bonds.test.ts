// Bonds on a real chain node (issue 13): the coordinator reads bond and unbond transactions from
// final blocks; with --min-bond a miner gets work only once its key is bonded from its payout
// address, and the max prices of the jobs it holds at once stay within its bond; an unbond stops
// the work at once and returns the money on chain after the delay. After each: the clearing
// address holds exactly what the books say, and the ledger audit passes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, formatAmount, parseAmount } from '@aitbc/protocol';
import { submitBody } from '@aitbc/testkit/coordinator';
import { until } from '@aitbc/testkit';
import { assertBooks, bondTx, bondWorld, fundPayout, fundedClient, registeredMiner, wallet, walletAddress } from './bond-world.ts';

test('--min-bond: work only with the bond on the miner key from its payout address; held max prices stay within the bond', async () => {
  const w = await bondWorld({ minBondMicro: parseAmount('5') });
  const clientKey = await fundedClient(w, 'alice', '100');
  const squatted = await registeredMiner(w, 'gpu-squatted');
  const bonded = await registeredMiner(w, 'gpu-bonded', 3);
  const submit = async () => {
    const answer = await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ max_price: '2.5' }) });
    assert.equal(answer.status, 201, answer.text);
    return answer.body.job_id as string;
  };
  const first = await submit();

  const unbonded = await bonded.poll();
  assert.equal(unbonded.status, 402, unbonded.text);
  assert.equal(unbonded.body.error_code, 'PAYMENT_INSUFFICIENT_BALANCE');
  assert.match(unbonded.body.detail, /has 0 AITBC bonded; .* at least 5 AITBC bonded .*aitbc wallet bond <wallet> 5 --miner-key /);
  const explicit = await w.coordinator.request('POST', `/v1/jobs/${first}/claim`, { key: bonded.apiKey, body: { miner_id: bonded.minerId } });
  assert.equal(explicit.status, 402, 'a claim by job id is refused the same way');

  // Someone else bonds the squatted miner's key first: it does not count for that miner.
  await bondTx(w, wallet, 'bond', squatted, '50');
  const squat = await squatted.poll();
  assert.equal(squat.status, 402, squat.text);
  assert.match(squat.body.detail, new RegExp(`bonded by ${walletAddress}, not by its payout address`));

  await fundPayout(w, bonded, '20');
  await bondTx(w, bonded.keys, 'bond', bonded, '5');
  const bond = await w.coordinator.store.minerBond('gpu-bonded');
  assert.deepEqual({ ...bond, bondedMicro: formatAmount(bond!.bondedMicro) }, { minerId: 'gpu-bonded', minerKey: bonded.publicKey, address: addressFromPublicKey(bonded.keys.publicKey), bondedMicro: '5', unbondingMicro: 0n, counts: true });

  // Exposure: two jobs of max price 2.5 fit a bond of 5; a third waits until one ends.
  await submit();
  await submit();
  const one = await bonded.poll();
  const two = await bonded.poll();
  assert.equal(one.status, 200, one.text);
  assert.equal(two.status, 200, two.text);
  assert.equal(one.body.job_id, first);
  assert.equal((await bonded.poll()).status, 204, 'a third job would hold 7.5 AITBC of max prices against a bond of 5');
  assert.equal((await bonded.complete(one.body.job_id, bonded.completion(one.body))).status, 200);
  const three = await bonded.poll();
  assert.equal(three.status, 200, 'the completed job no longer counts against the bond');
  for (const claim of [two, three]) assert.equal((await bonded.complete(claim.body.job_id, bonded.completion(claim.body))).status, 200);
  await assertBooks(w);
});

test('an unbond stops the work at once; its money is slashable until the delay ends, then back on chain', async () => {
  const w = await bondWorld({ minBondMicro: parseAmount('5') });
  const clientKey = await fundedClient(w, 'bob', '20');
  const miner = await registeredMiner(w, 'gpu-1');
  const payout = addressFromPublicKey(miner.keys.publicKey);
  await fundPayout(w, miner, '10');
  await bondTx(w, miner.keys, 'bond', miner, '8');
  assert.equal(w.chain.balance(payout), parseAmount('2'));

  assert.equal((await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ max_price: '1' }) })).status, 201);
  const claim = await miner.poll();
  assert.equal(claim.status, 200, claim.text);
  const done = await miner.complete(claim.body.job_id, miner.completion(claim.body));
  assert.equal(done.status, 200);
  const settled = parseAmount('2') + parseAmount(done.body.price);
  await until(() => w.chain.balance(payout) === settled, 'the receipt to be settled to the payout address');

  await bondTx(w, miner.keys, 'unbond', miner, '4');
  const unbonding = (await w.coordinator.store.minerBond('gpu-1'))!;
  assert.equal(formatAmount(unbonding.bondedMicro), '4');
  assert.equal(formatAmount(unbonding.unbondingMicro), '4', 'unbonding, still slashable');
  assert.deepEqual((await w.coordinator.request('GET', '/v1/miners/gpu-1')).body.bond, { address: payout, bonded: '4', unbonding: '4' });
  assert.equal((await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ max_price: '1' }) })).status, 201);
  const refused = await miner.poll();
  assert.equal(refused.status, 402, 'an unbonding amount is on its way out: it does not count toward --min-bond');
  assert.match(refused.body.detail, /has 4 AITBC bonded.*aitbc wallet bond <wallet> 1 --miner-key/);
  assert.equal(w.chain.balance(payout), settled, 'nothing returned before the delay');

  // Blocks come only with transactions: deposits move the chain past the release height.
  await until(async () => {
    w.chain.transfer(wallet, w.clearing, '1', 'bob');
    return (await w.coordinator.store.minerBond('gpu-1'))!.unbondingMicro === 0n;
  }, 'the unbonding to be released');
  const released = (await w.coordinator.store.minerBond('gpu-1'))!;
  assert.equal(formatAmount(released.bondedMicro), '4');
  assert.equal(w.chain.balance(payout), settled + parseAmount('4'), 'the unbonded 4 AITBC are back on the payout address');
  await assertBooks(w);
});

test('with --min-bond 0 (the default) bonds are read but a miner without one gets work', async () => {
  const w = await bondWorld();
  const clientKey = await fundedClient(w, 'carol', '10');
  const miner = await registeredMiner(w, 'gpu-1');
  assert.equal((await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody() })).status, 201);
  assert.equal((await miner.poll()).status, 200);
  await bondTx(w, wallet, 'bond', miner, '1');
  assert.equal((await w.coordinator.store.minerBond('gpu-1'))!.counts, false, 'bonded by another address than the payout one');
  await assertBooks(w);
});

test('held earnings count in the exposure rule until they are released; GET /v1/miners/{id} shows the bond on chain', async () => {
  const w = await bondWorld({ minBondMicro: parseAmount('5'), acceptanceWindowSeconds: 600 });
  const clientKey = await fundedClient(w, 'dave', '20');
  const miner = await registeredMiner(w, 'gpu-1');
  await fundPayout(w, miner, '5');
  await bondTx(w, miner.keys, 'bond', miner, '5');
  const view = await w.coordinator.request('GET', '/v1/miners/gpu-1');
  assert.deepEqual(view.body.bond, { address: addressFromPublicKey(miner.keys.publicKey), bonded: '5', unbonding: '0' });

  const run = async (extra: Record<string, unknown>) => {
    const submitted = await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ max_price: '5', ...extra }) });
    assert.equal(submitted.status, 201, submitted.text);
    const claim = await miner.poll();
    assert.equal(claim.status, 200, claim.text);
    const done = await miner.complete(claim.body.job_id, miner.completion(claim.body));
    assert.equal(done.status, 200, done.text);
    return parseAmount(done.body.price);
  };
  // A window of 0 releases the earnings with the completion: they no longer count.
  await run({ acceptance_window_seconds: 0 });
  // Held for 600 s: still disputable, so they count against the bond with the next job's max price.
  const held = await run({});
  assert.equal(parseAmount((await w.coordinator.request('GET', '/v1/miners/gpu-1/earnings', { key: miner.apiKey })).body.held), held);
  assert.equal((await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ max_price: '5' }) })).status, 201);
  assert.equal((await miner.poll()).status, 204, `held ${formatAmount(held)} + max price 5 would pass the bond of 5`);
  const fits = await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ max_price: formatAmount(parseAmount('5') - held) }) });
  assert.equal(fits.status, 201, fits.text);
  const claim = await miner.poll();
  assert.equal(claim.status, 200, 'a job whose max price fits beside the held earnings is given (the older one waits)');
  assert.equal(claim.body.job_id, fits.body.job_id);
  assert.equal((await miner.complete(claim.body.job_id, miner.completion(claim.body))).status, 200);
  await assertBooks(w);
});
