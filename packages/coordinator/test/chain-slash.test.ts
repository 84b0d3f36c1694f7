// Slashing on a real chain node (issue 13): a bonded miner that answers wrong fails a
// re-execution decided by three agreeing runs of other owners; the coordinator sends a slash
// with that byte-exact evidence, the chain shows it, the harmed client is credited what the
// clearing address received, the verifiers with a bond get their shares on chain, and no second
// slash of the receipt is ever sent. The books equal the clearing address after it all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, formatAmount, paramsHash, parseAmount } from '@aitbc/protocol';
import { ADMIN_KEY, NO_CHECKS, submitBody, type TestMiner } from '@aitbc/testkit/coordinator';
import { until } from '@aitbc/testkit';
import { assertBooks, bondTx, bondWorld, fundPayout, fundedClient, registeredMiner, wallet, type BondWorld } from './bond-world.ts';
import { DIGEST, VERIFIER, cheat, honest, type Claimed } from './verification-world.ts';

/** `miner` claims its next job and completes it with `answer`'s output as a version 2 run; false when there was none. */
async function work(miner: TestMiner, answer: (claim: Claimed) => string): Promise<boolean> {
  const claim = await miner.poll();
  if (claim.status === 204) return false;
  assert.equal(claim.status, 200, claim.text);
  const output = answer(claim.body);
  const body = miner.completion(claim.body, output, { prompt_tokens: 5, completion_tokens: output.split(' ').length }, Date.now(), { model_digest: DIGEST, backend: 'demo', params_hash: paramsHash(claim.body.params) });
  assert.equal((await miner.complete(claim.body.job_id, body)).status, 200);
  return true;
}

const register = (w: BondWorld, id: string) => registeredMiner(w, id, 1, { digests: { 'llama3.2': DIGEST } });
const slashRows = (w: BondWorld) => w.coordinator.sqlite.db.prepare("SELECT outbox_id, state, amount_micro, error_code FROM chain_outbox WHERE kind = 'slash'").all() as { outbox_id: number; state: string; amount_micro: bigint; error_code: string | null }[];
const available = async (w: BondWorld, key: string) => parseAmount((await w.coordinator.request('GET', '/v1/account', { key })).body.available);

/**
 * A client's verified job run by the cheater and decided against it by three honest runs; `beforeVerdict`
 * runs before the last of them. The slash's outbox row once queued (its evidence is the chain's to check).
 */
async function cheaterFailed(w: BondWorld, clientKey: string, cheater: TestMiner, beforeVerdict: () => Promise<void> = async () => undefined) {
  const verifiers = [await register(w, 'gpu-h1'), await register(w, 'gpu-h2'), await register(w, 'gpu-h3')];
  const submitted = await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ prompt: 'what is 2 + 2?', verify: true }) });
  assert.equal(submitted.status, 201, submitted.text);
  assert.equal(await work(cheater, cheat), true);
  assert.equal(await work(verifiers[0]!, honest), true, 'the re-run');
  assert.equal(await work(verifiers[1]!, honest), true, 'the first tie-break');
  await beforeVerdict();
  assert.equal(await work(verifiers[2]!, honest), true, 'the second tie-break decides');
  const receiptId = (await w.coordinator.store.receiptsOfRuns(submitted.body.job_id)).find((run) => run.minerId === cheater.minerId)!.receiptId;
  const row = await until(() => slashRows(w)[0], 'the slash to be queued');
  return { receiptId, outboxId: Number(row.outbox_id) };
}

test('a cheater failed by three agreeing runs is slashed on chain with that evidence; the client is credited; never twice', async () => {
  const w = await bondWorld({ verification: { ...NO_CHECKS, probationJobs: 0 } }, { slashAmount: '10' });
  const clientKey = await fundedClient(w, 'alice', '100');
  const cheater = await register(w, 'gpu-cheat');
  const verifiers = [await register(w, 'gpu-h1'), await register(w, 'gpu-h2'), await register(w, 'gpu-h3')];
  await fundPayout(w, cheater, '30');
  await bondTx(w, cheater.keys, 'bond', cheater, '20');
  await fundPayout(w, verifiers[0]!, '5');
  await bondTx(w, verifiers[0]!.keys, 'bond', verifiers[0]!, '5');

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

  const slashState = () => w.coordinator.sqlite.db.prepare("SELECT state, amount_micro FROM chain_outbox WHERE kind = 'slash'").all() as { state: string; amount_micro: bigint }[];
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

test('a slash refused as already slashed (the receipt was slashed by an earlier transaction) counts that slash: final, the client credited once', async () => {
  const w = await bondWorld({ verification: { ...NO_CHECKS, probationJobs: 0 } }, { slashAmount: '10' });
  const clientKey = await fundedClient(w, 'alice', '100');
  const cheater = await register(w, 'gpu-cheat');
  await fundPayout(w, cheater, '20');
  await bondTx(w, cheater.keys, 'bond', cheater, '20');
  // The node goes away before the verdict: the slash is queued but cannot be signed yet.
  const { receiptId, outboxId } = await cheaterFailed(w, clientKey, cheater, () => w.chain.down());
  const before = await available(w, clientKey);

  // Meanwhile the same slash lands by another transaction of the coordinator key (as an earlier
  // send the books lost would have): same evidence, same beneficiary.
  const slash = (await w.coordinator.store.slashOf(outboxId))!;
  const earlier = w.chain.send(w.key, { type: 'slash', miner_key: slash.minerKey, ...slash.evidence, beneficiary: w.clearing });
  await until(() => w.chain.node.pending().length === 0 && w.chain.node.finalized().height >= w.chain.node.head().header.height, 'the earlier slash to be final');
  await w.chain.up();

  await until(() => slashRows(w)[0]!.state === 'final', 'the refused slash to count the earlier one');
  const onChain = (await (await fetch(`${w.chain.url}/rpc/slashes/${receiptId}`)).json()) as Record<string, any>;
  assert.equal(onChain.tx_hash, earlier, 'the one slash on chain is the earlier transaction');
  const row = (await w.coordinator.request('GET', '/v1/admin/chain', { key: ADMIN_KEY })).body.outbox.find((entry: { outbox_id: number }) => entry.outbox_id === outboxId);
  assert.equal(row, undefined, 'final rows are not listed as open');
  const kept = w.coordinator.sqlite.db.prepare('SELECT tx_hash, nonce FROM chain_outbox WHERE outbox_id = ?').get(outboxId) as { tx_hash: string; nonce: number | null };
  assert.deepEqual(kept, { tx_hash: earlier, nonce: null }, "the row names the earlier transaction; its own nonce never ran, so it is not kept (the next transaction's nonce follows the chain's)");
  assert.equal(formatAmount(slashRows(w)[0]!.amount_micro), '10');
  assert.equal(formatAmount((await available(w, clientKey)) - before), '10', "the earlier slash's beneficiary payout is credited to the client, once");
  assert.equal(slashRows(w).length, 1);
  await assertBooks(w);
});

test('a slash the chain refuses as nothing bonded (the unbonding was released meanwhile) fails visibly with the chain code; nothing moves', async () => {
  const w = await bondWorld({ verification: { ...NO_CHECKS, probationJobs: 0 } }, { slashAmount: '10' });
  const clientKey = await fundedClient(w, 'alice', '100');
  const cheater = await register(w, 'gpu-cheat');
  await fundPayout(w, cheater, '5');
  await bondTx(w, cheater.keys, 'bond', cheater, '5');
  await bondTx(w, cheater.keys, 'unbond', cheater, '5');
  const releaseHeight = Number(w.coordinator.sqlite.db.prepare('SELECT release_height FROM miner_unbondings').pluck().get());
  // Unbonding is still slashable when the check fails, so the slash is queued; the node is away.
  const { outboxId } = await cheaterFailed(w, clientKey, cheater, () => w.chain.down());
  const before = await available(w, clientKey);
  // Blocks come only with transactions: deposits carry the chain past the release height.
  await until(() => {
    w.chain.transfer(wallet, w.clearing, '1', 'alice');
    return w.chain.node.finalized().height >= releaseHeight;
  }, 'the unbonding to be released on chain');
  await w.chain.up();

  await until(() => slashRows(w)[0]!.state === 'failed', 'the slash to be refused');
  const { outbox } = (await w.coordinator.request('GET', '/v1/admin/chain', { key: ADMIN_KEY })).body;
  const row = outbox.find((entry: { outbox_id: number }) => entry.outbox_id === outboxId);
  assert.deepEqual([row.kind, row.state, row.error_code, row.amount], ['slash', 'failed', 'CHAIN_TX_SLASH_NOTHING_BONDED', '0']);
  assert.match(row.error, /nothing is bonded or unbonding/);
  assert.equal((await fetch(`${w.chain.url}/rpc/slashes/${cheaterReceipt(w)}`)).status, 404, 'no slash on chain');
  await until(async () => (await available(w, clientKey)) - before >= parseAmount('1'), 'the deposits to be read');
  const account = (await (await fetch(`${w.chain.url}/rpc/accounts/${addressFromPublicKey(cheater.keys.publicKey)}`)).json()) as Record<string, string>;
  assert.deepEqual([account.bonded, account.unbonding], ['0', '0'], 'the unbonding went back to the payout address, none of it slashed');
  await assertBooks(w);
});

/** The receipt of gpu-cheat's run (one run per test). */
function cheaterReceipt(w: BondWorld): string {
  return w.coordinator.sqlite.db.prepare("SELECT receipt_id FROM receipts WHERE miner_id = 'gpu-cheat'").pluck().get() as string;
}

test('a canary failed by its confirming run is slashed with the source job agreeing runs as evidence; the verification account is credited', async () => {
  const settings = { ...NO_CHECKS, probationJobs: 0, account: VERIFIER, reexecutionRate: 1, probationReexecutionRate: 1 };
  const w = await bondWorld({ verification: settings }, { slashAmount: '10' });
  const clientKey = await fundedClient(w, 'alice', '100');
  const verifierKey = await fundedClient(w, VERIFIER, '100');
  const [a, b, cheater, confirmer] = [await register(w, 'gpu-a'), await register(w, 'gpu-b'), await register(w, 'gpu-cheat'), await register(w, 'gpu-c')];
  await fundPayout(w, cheater, '20');
  await bondTx(w, cheater.keys, 'bond', cheater, '20');

  // The pool's entry: a client job run by gpu-a, re-run by gpu-b with the same bytes.
  assert.equal((await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ prompt: 'what is 3 + 3?' }) })).status, 201);
  assert.equal(await work(a, honest), true);
  assert.equal(await work(b, honest), true, 'the re-run');
  assert.equal(Number(w.coordinator.sqlite.db.prepare('SELECT count(*) FROM canaries').pluck().get()), 1, 'their agreement is the pool entry');
  Object.assign(settings, { reexecutionRate: 0, probationReexecutionRate: 0, canaryRate: 1, probationCanaryRate: 1 });

  // The cheater's client job brings it the canary; it answers wrong, and a confirming run by another owner sides with the entry.
  assert.equal((await w.coordinator.request('POST', '/v1/jobs', { key: clientKey, body: submitBody() })).status, 201);
  assert.equal(await work(cheater, honest), true, 'its own client job');
  assert.equal(await work(cheater, cheat), true, 'the canary');
  assert.equal(await work(confirmer, honest), true, 'the confirming run');
  const canaryReceipt = w.coordinator.sqlite.db.prepare("SELECT r.receipt_id FROM receipts r JOIN jobs j ON j.job_id = r.job_id WHERE j.purpose = 'canary'").pluck().get() as string;
  const before = await available(w, verifierKey);

  await until(() => slashRows(w)[0]?.state === 'final', 'the slash to be final in the books');
  const onChain = (await (await fetch(`${w.chain.url}/rpc/slashes/${canaryReceipt}`)).json()) as Record<string, any>;
  assert.equal(onChain.miner_key, cheater.publicKey);
  assert.deepEqual(Object.keys(onChain.evidence.reference_keys).sort(), ['gpu-a', 'gpu-b'], "the source job's two agreeing runs");
  assert.deepEqual(onChain.payouts, [{ address: w.clearing, amount: '10', role: 'beneficiary' }], 'no reference key is bonded: their half goes to the beneficiary too');
  assert.equal(formatAmount((await available(w, verifierKey)) - before), '10', 'the account that paid for the canary is credited');
  assert.equal((await w.coordinator.request('GET', '/v1/miners/gpu-cheat')).body.paused, true);
  await assertBooks(w);
});
