// Slashing on a real chain node (issue 13): a bonded miner that answers wrong fails a
// re-execution decided by three agreeing runs of other owners; the coordinator sends a slash
// with that byte-exact evidence, the chain shows it, the harmed client is credited what the
// clearing address received, the verifiers with a bond get their shares on chain, and no second
// slash of the receipt is ever sent. The books equal the clearing address after it all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, formatAmount, paramsHash, parseAmount } from '@aitbc/protocol';
import { NO_CHECKS, submitBody, type TestMiner } from '@aitbc/testkit/coordinator';
import { until } from '@aitbc/testkit';
import { assertBooks, bondTx, bondWorld, fundPayout, fundedClient, registeredMiner } from './bond-world.ts';
import { DIGEST, cheat, honest, type Claimed } from './verification-world.ts';

test('a cheater failed by three agreeing runs is slashed on chain with that evidence; the client is credited; never twice', async () => {
  const w = await bondWorld({ verification: { ...NO_CHECKS, probationJobs: 0 } }, { slashAmount: '10' });
  const clientKey = await fundedClient(w, 'alice', '100');
  const register = (id: string) => registeredMiner(w, id, 1, { digests: { 'llama3.2': DIGEST } });
  const cheater = await register('gpu-cheat');
  const verifiers = [await register('gpu-h1'), await register('gpu-h2'), await register('gpu-h3')];
  await fundPayout(w, cheater, '30');
  await bondTx(w, cheater.keys, 'bond', cheater, '20');
  await fundPayout(w, verifiers[0]!, '5');
  await bondTx(w, verifiers[0]!.keys, 'bond', verifiers[0]!, '5');

  const work = async (miner: TestMiner, answer: (claim: Claimed) => string) => {
    const claim = await miner.poll();
    if (claim.status === 204) return false;
    assert.equal(claim.status, 200, claim.text);
    const output = answer(claim.body);
    const body = miner.completion(claim.body, output, { prompt_tokens: 5, completion_tokens: output.split(' ').length }, Date.now(), { model_digest: DIGEST, backend: 'demo', params_hash: paramsHash(claim.body.params) });
    assert.equal((await miner.complete(claim.body.job_id, body)).status, 200);
    return true;
  };
  const submitted = await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ prompt: 'what is 2 + 2?', verify: true }) });
  assert.equal(submitted.status, 201, submitted.text);
  assert.equal(await work(cheater, cheat), true);
  // The re-run and the two tie-breaks, each by a miner of another owner.
  for (const verifier of verifiers) assert.equal(await work(verifier, honest), true, `${verifier.minerId} runs the check`);

  const subject = (await w.coordinator.store.getJob(submitted.body.job_id))!;
  const receiptId = (await w.coordinator.store.receiptsOfRuns(subject.jobId)).find((run) => run.minerId === 'gpu-cheat')!.receiptId;
  const before = parseAmount((await w.coordinator.request('GET', '/v1/account', { key: clientKey })).body.available);
  await until(async () => (await fetch(`${w.chain.url}/rpc/slashes/${receiptId}`)).status === 200, 'the slash on chain');
  const onChain = (await (await fetch(`${w.chain.url}/rpc/slashes/${receiptId}`)).json()) as Record<string, any>;
  assert.equal(onChain.miner_key, cheater.publicKey);
  assert.equal(onChain.amount, '10');
  assert.equal(onChain.beneficiary, w.clearing);
  assert.deepEqual(Object.keys(onChain.evidence.reference_keys).sort(), ['gpu-h1', 'gpu-h2', 'gpu-h3']);
  // Half to the verifiers in equal shares (10 / 2 / 3); only gpu-h1 has a bond, so the other shares go to the beneficiary.
  const share = parseAmount('1.666666');
  assert.deepEqual(onChain.payouts, [
    { address: w.clearing, amount: formatAmount(parseAmount('10') - share), role: 'beneficiary' },
    { address: addressFromPublicKey(verifiers[0]!.keys.publicKey), amount: formatAmount(share), role: 'verifier' },
  ]);

  const slashState = () => w.coordinator.store.db.prepare("SELECT state, amount_micro FROM chain_outbox WHERE kind = 'slash'").all() as { state: string; amount_micro: bigint }[];
  await until(() => slashState()[0]?.state === 'final', 'the slash to be final in the books');
  assert.equal(formatAmount(slashState()[0]!.amount_micro), formatAmount(parseAmount('10') - share), 'the outbox row shows what the client was credited');
  const credited = parseAmount((await w.coordinator.request('GET', '/v1/account', { key: clientKey })).body.available) - before;
  assert.equal(formatAmount(credited), formatAmount(parseAmount('10') - share), "the clearing address's payout is credited to the harmed client");
  await until(async () => (await w.coordinator.store.minerBond('gpu-cheat'))!.bondedMicro === parseAmount('10'), "the coordinator to read the slash: 20 bonded, 10 taken");

  // Reported again (a sweeper re-deciding, a restart): no second slash is queued.
  const check = (await w.coordinator.store.checkForJob((await w.coordinator.store.rerunsOf(subject.jobId))[0]!.jobId))!;
  await w.coordinator.services.chain!.slasher.failed({ check, minerId: 'gpu-cheat' });
  assert.equal(slashState().length, 1, 'one slash per receipt, ever');
  await assertBooks(w);
});
