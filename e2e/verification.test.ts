// The verification ladder end to end, with real processes: an `aitbc coordinator` with its check
// rates set by flags, and `aitbc miner --backend demo` processes under separate miner keys (separate
// owners), some of them test-only cheaters (`--cheat`). Honest miners are never flagged, cheaters
// are paused, and every client and the verification account pay exactly what ran.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmount } from '@aitbc/protocol';
import type { AitbcClient, Job } from '@aitbc/sdk';
import { until } from '@aitbc/testkit';
import { runAitbc } from '@aitbc/testkit/processes';
import { Market, accountedFor, allJobs, demoJob, minerEvents, runJobs, spentMicro, submitLoad, untilSettled, warmUp, type Check, type MinerStanding, type RunningMiner, type VerifiedJob } from './market.ts';

const OTHER_DIGEST = `sha256:${'0b'.repeat(32)}`;

const HONEST = ['honest-1', 'honest-2', 'honest-3', 'honest-4'];

/** No failed check, no pause: what an honest miner's record must show. */
async function assertUnflagged(market: Market, ids: string[]): Promise<MinerStanding[]> {
  const views = await Promise.all(ids.map((id) => market.miner(id)));
  for (const view of views) {
    assert.deepEqual(
      [view.paused, view.needs_review, view.reputation.paused, view.reputation.canaries_failed, view.reputation.reexecutions_disagreed],
      [false, false, false, 0, 0],
      `${view.miner_id} unflagged: ${JSON.stringify(view)}`,
    );
  }
  return views;
}

/**
 * Every account paid exactly for what ran: available + escrowed + the prices of its jobs = what it
 * was credited; the coordinator's audit and the operator's `aitbc coordinator check-ledger` agree.
 */
async function assertBooks(market: Market, accounts: [AitbcClient, string][]): Promise<void> {
  for (const [client, credited] of accounts) assert.equal(await accountedFor(client, await allJobs(client)), credited, `${(await client.account.get()).account} refunded exactly`);
  const audit = await market.audit();
  assert.ok(audit.ok, audit.problems.join('\n'));
  const checked = runAitbc(['coordinator', 'check-ledger', '--db', market.dbPath]);
  assert.equal(checked.status, 0, checked.stdout + checked.stderr);
  assert.match(checked.stdout, /ledger OK/);
}

/**
 * Waits until everything has run: nothing of the accounts' in escrow, every check decided, and every
 * completed job's answer back at its miner (the coordinator plans a completion's checks before it
 * answers, so no check is still to come). What the accounts ran and the checks, as they then stand.
 */
async function untilQuiet<Accounts extends AitbcClient[]>(market: Market, accounts: [...Accounts], miners: RunningMiner[]): Promise<{ jobs: { [K in keyof Accounts]: Job[] }; checks: Check[] }> {
  return until(async () => {
    for (const client of accounts) if ((await client.account.get()).escrowed !== '0') return null;
    const jobs = (await Promise.all(accounts.map(allJobs))) as { [K in keyof Accounts]: Job[] };
    const completed = (jobs as Job[][]).flat().filter((job) => job.status === 'completed').length;
    const answered = miners.reduce((sum, miner) => sum + minerEvents(miner, 'job_completed').length, 0);
    const checks = await market.checks();
    return completed === answered && checks.every((check) => check.verdict !== null) ? { jobs, checks } : null;
  }, 'every job and check to finish', 120_000);
}

/**
 * The jobs of `minerId` (its `jobIds`) that checks held against it: its checked run outvoted
 * (`disagree`), a canary it failed, or its re-run of another miner's job outvoted.
 */
function heldAgainst(checks: Check[], minerId: string, jobIds: string[]): string[] {
  const its = new Set(jobIds);
  return checks.flatMap((check) => {
    if (check.miner_id === minerId && check.verdict === 'disagree') return [check.kind === 'canary' ? check.check_job_id : check.subject_job_id!];
    if (check.kind !== 'reexecution' || !check.detail?.startsWith(`the re-run of ${minerId} failed`)) return [];
    return [check.check_job_id, ...check.tiebreak_job_ids].filter((jobId) => its.has(jobId));
  });
}

/** Past this many completed jobs a miner may re-run others' jobs: the honest ones get there in a warm-up. */
const PROBATION_JOBS = '3';

test('honest miners are never flagged over 2,000 jobs with re-execution and canaries on; clients and the verification account pay exactly what ran', async (t) => {
  // Re-execution by flag, canaries by environment variable: both ways of setting a rate are used.
  const market = await Market.start(t, ['--reexecution-rate', '0.2', '--probation-reexecution-rate', '0.2'], { AITBC_CANARY_RATE: '0.1', AITBC_PROBATION_CANARY_RATE: '0.1' });
  const verifier = await market.client('verification', '500');
  const miners = await Promise.all(HONEST.map((id) => market.startMiner(id, ['--max-concurrency', '4'])));
  const alice = await market.client('alice', '2500');

  // At the default probation (50 jobs) the first re-runs wait until a miner of another owner is past it.
  const ids = await submitLoad(alice, 2000);
  const { jobs: [jobs, checkRuns], checks } = await untilQuiet(market, [alice, verifier], miners);

  assert.deepEqual(new Set(jobs.map((job) => job.job_id)), new Set(ids));
  assert.ok(jobs.every((job) => job.status === 'completed'), 'every client job completed');
  const views = await assertUnflagged(market, HONEST);
  const total = (counter: 'reexecutions_agreed' | 'canaries_passed') => views.reduce((sum, view) => sum + view.reputation[counter], 0);
  assert.ok(total('reexecutions_agreed') > 0, 'checks agreed');
  assert.ok(total('canaries_passed') > 0, 'canaries passed');
  assert.deepEqual(new Set(checks.map((check) => check.verdict)), new Set(['agree']), 'every check agreed');
  assert.deepEqual(new Set(checks.map((check) => check.kind)), new Set(['reexecution', 'canary']));

  // The verification account paid for the check runs and nothing else: one completed job per check.
  assert.equal(checkRuns.length, checks.length);
  assert.ok(checkRuns.every((job) => job.status === 'completed'));
  await assertBooks(market, [[alice, '2500'], [verifier, '500']]);
  // What the miners earned is what the client and the verification account spent.
  const earned = await Promise.all(miners.map(async (miner) => parseAmount((await miner.client.miners.earnings(miner.id)).earned)));
  assert.equal(earned.reduce((a, b) => a + b), spentMicro(jobs) + spentMicro(checkRuns));
});

test('a miner that always cheats is paused at its first job, then gets no client job while honest miners carry on', async (t) => {
  const market = await Market.start(t, ['--probation-jobs', PROBATION_JOBS, '--probation-reexecution-rate', '1', '--probation-canary-rate', '1']);
  const verifier = await market.client('verification', '100');
  const honest = await Promise.all(HONEST.slice(0, 3).map((id) => market.startMiner(id)));
  const alice = await market.client('alice', '100');
  await warmUp(market, alice, HONEST.slice(0, 3), Number(PROBATION_JOBS));

  // A newcomer on probation, picked by a client for one job: the job is re-run by established
  // miners of other owners (and the newcomer sent a canary), and the wrong answer pauses it.
  const cheater = await market.startMiner('cheater', ['--cheat', 'wrong-model']);
  const first = await alice.jobs.run(demoJob(0, { miner_id: 'cheater' }));
  assert.equal(first.receipt.miner_id, 'cheater');
  const paused = await until(async () => {
    const view = await market.miner('cheater');
    return view.paused ? view : null;
  }, 'the cheater to be paused');
  assert.match(paused.pause_reason ?? '', /^failed a (re-execution|canary): /);

  const later = await runJobs(alice, 40, { from: 100, lanes: 4 });
  assert.equal(later.length, 40, 'client jobs keep completing');
  assert.deepEqual(later.filter((result) => result.receipt.miner_id === 'cheater'), [], 'none of them on the paused cheater');
  assert.equal((await market.miner('cheater')).paused, true, 'still paused');

  const { jobs: [jobs] } = await untilQuiet(market, [alice, verifier], [...honest, cheater]);
  assert.deepEqual(jobs.filter((job) => job.miner_id === 'cheater').map((job) => job.job_id), [first.job_id], 'its only client job was the first');
  assert.ok(jobs.every((job) => job.status === 'completed'));
  await assertUnflagged(market, HONEST.slice(0, 3));
  await assertBooks(market, [[alice, '100'], [verifier, '100']]);
});

test('a miner that cheats on 10 % of its jobs is paused at its first cheat and left for review at its second when every client job is re-executed', async (t) => {
  const market = await Market.start(t, ['--probation-jobs', PROBATION_JOBS, '--reexecution-rate', '1', '--probation-reexecution-rate', '1']);
  const verifier = await market.client('verification', '100');
  // Three honest owners: a run fails when three runs of other owners agree against it.
  const honest = await Promise.all(HONEST.slice(0, 3).map((id) => market.startMiner(id)));
  const alice = await market.client('alice', '100');
  await warmUp(market, alice, HONEST.slice(0, 3), Number(PROBATION_JOBS));
  // Seed 3 cheats on the cheater's 7th and 11th jobs (then its 16th, …): six honest jobs first.
  const cheater = await market.startMiner('sometimes', ['--cheat', 'random', '--cheat-rate', '0.1', '--cheat-seed', '3']);

  await runJobs(alice, 300, { lanes: 4, enough: async () => (await market.miner('sometimes')).needs_review });
  const caught = await market.miner('sometimes');
  assert.deepEqual([caught.paused, caught.needs_review], [true, true], 'paused for review');
  // Its second cheat's verdict usually comes before its 16th job (its third cheat). Not always: when
  // it made the second before the first's verdict paused it (each waits for up to two tie-breaks),
  // three passed canaries may resume it while the second is still being judged.
  const started = minerEvents(cheater, 'job_started').map((event) => String(event.job_id));
  const ordinals = minerEvents(cheater, 'job_cheated').map((event) => Number(event.ordinal));
  assert.deepEqual(ordinals.slice(0, 2), [7, 11], 'it cheated on its 7th and 11th jobs');

  // Each cheat was caught (by a re-run of its job, a canary, or a tie-break against its re-run of
  // another's job), and no honest job of its was held against it.
  const { checks } = await untilQuiet(market, [alice, verifier], [...honest, cheater]);
  assert.deepEqual(heldAgainst(checks, 'sometimes', started).sort(), ordinals.map((ordinal) => started[ordinal - 1]).sort());
  const { reputation } = await market.miner('sometimes');
  assert.equal(reputation.reexecutions_disagreed + reputation.canaries_failed, ordinals.length);
  await assertUnflagged(market, HONEST.slice(0, 3));
  await assertBooks(market, [[alice, '100'], [verifier, '100']]);
});

const NO_SAMPLED_CHECKS = ['--reexecution-rate', '0', '--canary-rate', '0', '--probation-reexecution-rate', '0', '--probation-canary-rate', '0'];

test('a client that asks for verify pays for a second run: agreed on an honest miner, disagreed (and the miner paused) on a cheater', async (t) => {
  // Only the client's own checks run: the operator samples nothing.
  const market = await Market.start(t, [...NO_SAMPLED_CHECKS, '--probation-jobs', PROBATION_JOBS]);
  const honest = await Promise.all(HONEST.slice(0, 3).map((id) => market.startMiner(id)));
  const alice = await market.client('alice', '10');
  await warmUp(market, alice, HONEST.slice(0, 3), Number(PROBATION_JOBS));
  // On probation, so it re-runs nobody's job: the re-runs and tie-breaks go to the honest miners.
  const cheater = await market.startMiner('cheater', ['--cheat', 'wrong-model']);

  const verified = async (miner: string, i: number) => {
    const { job_id } = await alice.jobs.submit(demoJob(i, { verify: true, miner_id: miner }));
    return until(async () => {
      const job = (await alice.jobs.get(job_id)) as VerifiedJob;
      return job.verification !== null && job.verification.status !== 'pending' ? job : null;
    }, `the verification of job ${i}`);
  };
  const agreed = await verified('honest-1', 1);
  assert.equal(agreed.verification!.status, 'agreed');
  const rerun = await alice.jobs.get(agreed.verification!.job_id);
  assert.notEqual(rerun.miner_id, 'honest-1', 're-run by another owner');
  assert.equal(rerun.price, agreed.price, 'the client paid the same again for the re-run');

  const disagreed = await verified('cheater', 2);
  assert.equal(disagreed.verification!.status, 'disagreed');
  assert.match(disagreed.verification!.detail, /^3 independent runs agree against it: the outputs differ/);
  assert.equal((await market.miner('cheater')).paused, true);

  const { checks } = await untilQuiet(market, [alice], [...honest, cheater]);
  assert.deepEqual(checks.map((check) => [check.miner_id, check.verdict]).sort(), [['cheater', 'disagree'], ['honest-1', 'agree']]);
  const outvoted = checks.find((check) => check.miner_id === 'cheater')!;
  assert.equal(outvoted.check_job_id, disagreed.verification!.job_id);
  const extraRuns = await Promise.all([outvoted.check_job_id, ...outvoted.tiebreak_job_ids].map((id) => alice.jobs.get(id)));
  assert.equal(extraRuns.length, 3, 'a re-run and two tie-breaks');
  assert.ok(extraRuns.every((job) => job.status === 'completed' && job.price !== null && job.miner_id !== 'cheater'), 'run by honest miners, paid by the client');
  await assertUnflagged(market, HONEST.slice(0, 3));
  await assertBooks(market, [[alice, '10']]);
});

// A real daemon signs the digest it advertised at start; the only way it signs one the coordinator
// does not hold for it is the advertisement changing under it. The refusal is the coordinator's 422
// VALIDATION_INVALID_FORMAT on receipt.model_digest (packages/coordinator/test/receipt-v2.test.ts
// checks status and field over HTTP); here the miner process meets it.
test('a receipt naming a digest the miner no longer advertises is refused, and nobody pays for it', async (t) => {
  const market = await Market.start(t);
  const miner = await market.startMiner('swapped');
  const registered = await market.miner('swapped');
  const signed = registered.digests.demo!;
  // The operator re-registers the miner id with other weights while the running daemon still signs
  // the digest it started with: the coordinator holds it to what it advertises now.
  await miner.client.miners.register({ miner_id: 'swapped', public_key: registered.public_key, models: ['demo'], prices: { demo: registered.prices.demo! }, max_concurrency: 1, digests: { demo: OTHER_DIGEST } });
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
  assert.equal((await miner.client.miners.earnings('swapped')).earned, '0');
  assert.equal((await alice.account.get()).available, '10', 'refunded whole');
  await assertBooks(market, [[alice, '10']]);
});
