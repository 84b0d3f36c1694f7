// Verdicts and disputes (src/store/contract/verification.ts, acceptance.ts): a check decided once
// whoever decides it, tie-breaks started once per judgement, a dispute closed by its check's
// verdict whichever lands first, held earnings released once by sweepers racing — each also run
// from several connections at once, as several coordinators would.

import assert from 'node:assert/strict';
import type { CheckDecision, CheckRecord, CoordinatorStore, DecidedOutcome, MinerTrackRecord } from '../../src/store/store.ts';
import type { ConformanceArea } from './case.ts';
import { canary, claimed, completion, DIGEST, funded, HOUR, M, miner, newJob, NOW, ranJob, registered } from './fixtures.ts';

const WINDOW = 60_000;

/** A miner's track record, read without changing it (its standing written back as it is). */
const recordOf = (store: CoordinatorStore, minerId: string) => store.updateStanding(minerId, (record) => record);

function decision(checkId: number, verdict: CheckDecision['verdict'], outcomes: DecidedOutcome[], now = NOW + 100): CheckDecision {
  return { checkId, verdict, rule: 'exact', detail: `${verdict} by rule`, now, outcomes, nextStanding: (record: MinerTrackRecord) => record, canary: null, withdrawCanaryId: null };
}

/** A canary check pinned to the miner, escrowed from the verification account. */
async function canaryCheck(store: CoordinatorStore, jobId: string, minerId: string) {
  const created = await store.createCheck(newJob(jobId, { account: 'verification', purpose: 'canary', pinnedMinerId: minerId }), { kind: 'canary', minerId, subjectJobId: null, canaryId: null });
  if (created.kind !== 'created') throw new Error(`check ${jobId}: ${created.kind}`);
  return created.check;
}

/** A completed client job of the miner inside its window, and its pending re-execution check. */
async function judgedJob(store: CoordinatorStore, jobId: string, minerId = 'gpu-1') {
  await ranJob(store, newJob(jobId, { acceptanceWindowMs: WINDOW }), minerId, 300_000n);
  const rerun = newJob(`${jobId}-rerun`, { account: 'verification', purpose: 'reexecution', subjectJobId: jobId, excludedOwners: [`key-${minerId}`] });
  const created = await store.createCheck(rerun, { kind: 'reexecution', minerId, subjectJobId: jobId, canaryId: null });
  if (created.kind !== 'created') throw new Error(`check of ${jobId}: ${created.kind}`);
  return created.check;
}

const disputeRerun = (jobId: string) => newJob(`${jobId}-dispute`, { createdAt: NOW + 10, purpose: 'reexecution', subjectJobId: jobId, excludedOwners: ['key-gpu-1'] });

export const verdictCases: ConformanceArea = {
  area: 'verdicts and disputes',
  cases: [
    {
      name: 'decideCheck writes the verdict once, counts the outcome in the record, lists and reads the decided check; a second decision changes nothing',
      async run({ store }) {
        await funded(store, 'verification', 10n * M);
        await registered(store, miner('gpu-1'));
        const check = await canaryCheck(store, 'c1', 'gpu-1');
        const other = await canaryCheck(store, 'c2', 'gpu-1');
        const first = await store.decideCheck(decision(check.checkId, 'disagree', [{ minerId: 'gpu-1', kind: 'canary', passed: false, now: NOW + 100, detail: 'wrong' }]));
        assert.equal(first.decided, true);
        assert.equal(first.records.get('gpu-1')?.canariesFailed, 1);
        const again = await store.decideCheck(decision(check.checkId, 'agree', [{ minerId: 'gpu-1', kind: 'canary', passed: true, now: NOW + 200, detail: '' }], NOW + 200));
        assert.deepEqual([again.decided, again.records.size], [false, 0]);
        const read = await store.getCheck(check.checkId);
        assert.deepEqual([read?.verdict, read?.rule, read?.detail, read?.decidedAt, read?.failedMinerIds], ['disagree', 'exact', 'disagree by rule', NOW + 100, ['gpu-1']]);
        const record = await recordOf(store, 'gpu-1');
        assert.deepEqual([record?.canariesFailed, record?.canariesPassed], [1, 0], 'counted once');
        assert.equal(await store.openCanaries('gpu-1'), 1, 'the other is still open');
        const page = await store.listChecks({ minerId: 'gpu-1', limit: 1, after: null });
        assert.deepEqual([page.items.map((item) => item.checkId), page.next], [[other.checkId], other.checkId]);
        assert.deepEqual((await store.listChecks({ minerId: 'gpu-1', limit: 1, after: page.next })).items.map((item) => item.checkId), [check.checkId]);
        assert.deepEqual((await store.listChecks({ minerId: 'gpu-9', limit: 5, after: null })).items, []);
      },
    },
    {
      name: 'a verify job: its completion releases the re-execution and starts its check, decidable once the re-run ends; agreement adds a pool entry run by both miners',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        for (const id of ['gpu-1', 'gpu-2', 'gpu-3']) await registered(store, miner(id));
        await store.submitJob(newJob('v1', { verify: true }), null, null, newJob('v1-rerun', { purpose: 'reexecution', subjectJobId: 'v1', awaitingSubject: true }));
        const waiting = await store.verificationOf('v1');
        assert.deepEqual([waiting?.rerun.jobId, waiting?.rerun.awaitingSubject, waiting?.check], ['v1-rerun', true, null], 'no check before the subject completes');
        const held = await claimed(store, 'v1', 'gpu-1');
        const done = await store.completeJob(completion(held, 100n, { release: { requiredDigest: null, excludedOwners: ['key-gpu-1'], deadline: NOW + HOUR } }));
        assert.equal(done.kind, 'done');
        assert.deepEqual(done.kind === 'done' ? [done.released?.jobId, done.released?.awaitingSubject, done.released?.requiredDigest] : [], ['v1-rerun', false, null]);
        const verification = await store.verificationOf('v1');
        assert.deepEqual([verification?.rerun.jobId, verification?.check?.kind, verification?.check?.subjectJobId, verification?.check?.checkJobId, verification?.check?.minerId], ['v1-rerun', 'reexecution', 'v1', 'v1-rerun', 'gpu-1']);
        const check = verification!.check!;
        assert.deepEqual(await store.decidableChecks(10), [], 'its re-run has not ended');
        const rerun = await claimed(store, 'v1-rerun', 'gpu-2');
        assert.equal((await store.completeJob(completion(rerun, 100n))).kind, 'done');
        assert.deepEqual((await store.decidableChecks(10)).map((item) => item.checkId), [check.checkId]);
        assert.deepEqual(await store.checkForJob('v1-rerun'), check);
        const entry = canary('v1', { source: 'agreement', evidenceJobIds: ['v1', 'v1-rerun'] });
        await store.decideCheck({ ...decision(check.checkId, 'agree', [{ minerId: 'gpu-1', kind: 'reexecution', passed: true, now: NOW + 100, detail: '' }]), canary: entry });
        assert.deepEqual(await store.decidableChecks(10), []);
        const pooled = await store.findCanary({ model: 'demo', modelDigest: DIGEST, minerId: 'gpu-3' });
        assert.equal(pooled?.sourceJobId, 'v1');
        assert.deepEqual(await store.canaryRunners(pooled!.canaryId), ['gpu-1', 'gpu-2']);
        assert.equal(await store.findCanary({ model: 'demo', modelDigest: DIGEST, minerId: 'gpu-2' }), null, 'made from its re-run');
      },
    },
    {
      name: 'findCanary prefers an entry sent to no miner over a newer one already sent; a withdrawn entry is never found',
      async run({ store }) {
        await funded(store, 'verification', 10n * M);
        assert.equal(await store.addCanary(canary('src-a')), true);
        assert.equal(await store.addCanary(canary('src-b')), true);
        const find = (minerId: string) => store.findCanary({ model: 'demo', modelDigest: DIGEST, minerId }).then((found) => found?.sourceJobId ?? null);
        assert.equal(await find('gpu-4'), 'src-b', 'newest first');
        const b = (await store.findCanary({ model: 'demo', modelDigest: DIGEST, minerId: 'gpu-4' }))!;
        const sent = await store.createCheck(newJob('c1', { account: 'verification', purpose: 'canary', canaryId: b.canaryId, pinnedMinerId: 'gpu-3' }), { kind: 'canary', minerId: 'gpu-3', subjectJobId: null, canaryId: b.canaryId });
        assert.equal(sent.kind, 'created');
        assert.deepEqual([await find('gpu-4'), await find('gpu-3')], ['src-a', 'src-a'], 'the entry sent to no miner first; never one sent to the miner');
        const a = (await store.findCanary({ model: 'demo', modelDigest: DIGEST, minerId: 'gpu-4' }))!;
        if (sent.kind === 'created') await store.decideCheck({ ...decision(sent.check.checkId, 'agree', []), withdrawCanaryId: a.canaryId });
        assert.deepEqual([await find('gpu-4'), await find('gpu-3')], ['src-b', null]);
        assert.equal((await store.getCanary(a.canaryId))?.withdrawnAt, NOW + 100);
      },
    },
    {
      name: 'two connections decide the same check at once: one decides, the outcome is counted once',
      async run({ store, database }) {
        await funded(store, 'verification', 10n * M);
        await registered(store, miner('gpu-1'));
        const checks: CheckRecord[] = [];
        for (let i = 0; i < 5; i++) checks.push(await canaryCheck(store, `c${i}`, 'gpu-1'));
        const [a, b] = await database.stores(2);
        for (const check of checks) {
          const outcome: DecidedOutcome = { minerId: 'gpu-1', kind: 'canary', passed: true, now: NOW + 100, detail: '' };
          const results = await Promise.all([a!, b!].map((connection) => connection.decideCheck(decision(check.checkId, 'agree', [outcome]))));
          assert.deepEqual(results.map((result) => result.decided).sort(), [false, true], `check ${check.checkId}`);
        }
        assert.equal((await recordOf(store, 'gpu-1'))?.canariesPassed, checks.length);
      },
    },
    {
      name: 'startTiebreak from two connections with the same runs so far: one run is started and escrowed, the other is refused as not pending',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        await funded(store, 'verification', 10n * M);
        await registered(store, miner('gpu-1'));
        const check = await judgedJob(store, 'j1');
        const [a, b] = await database.stores(2);
        const tiebreak = (id: string) => newJob(id, { account: 'verification', purpose: 'tiebreak', subjectJobId: 'j1' });
        const results = await Promise.all([a!.startTiebreak(check.checkId, tiebreak('t-a'), 1), b!.startTiebreak(check.checkId, tiebreak('t-b'), 1)]);
        assert.deepEqual(results.map((result) => result.kind).sort(), ['not_pending', 'started']);
        const started = results.find((result) => result.kind === 'started');
        const runs = await store.rerunsOf('j1');
        assert.deepEqual(runs.map((run) => run.jobId), ['j1-rerun', started?.kind === 'started' ? started.job.jobId : '']);
        assert.deepEqual((await store.getCheck(check.checkId))?.tiebreakJobIds, [runs[1]!.jobId]);
        assert.equal((await store.checkForJob(runs[1]!.jobId))?.checkId, check.checkId, 'a tie-break runs for the check');
        assert.equal((await store.getAccount('verification')).escrowedMicro, 2n * M, 'the re-run and one tie-break');
        assert.equal((await store.startTiebreak(check.checkId, tiebreak('t-c'), 2)).kind, 'started', 'the next judgement');
        await store.decideCheck(decision(check.checkId, 'agree', []));
        assert.equal((await store.startTiebreak(check.checkId, tiebreak('t-d'), 3)).kind, 'not_pending', 'decided');
      },
    },
    {
      name: 'a dispute is closed by its check\'s verdict: disagree refunds the client, agree releases the earnings',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await ranJob(store, newJob('j1', { acceptanceWindowMs: WINDOW }), 'gpu-1', 300_000n);
        await ranJob(store, newJob('j2', { acceptanceWindowMs: WINDOW }), 'gpu-1', 200_000n);
        const checks = new Map<string, number>();
        for (const jobId of ['j1', 'j2']) {
          const opened = await store.openDispute({ jobId, account: 'alice', reason: 'wrong', now: NOW + 10, rerun: disputeRerun(jobId) });
          assert.equal(opened.kind, 'opened');
          if (opened.kind === 'opened') checks.set(jobId, opened.job.dispute!.checkId);
        }
        assert.equal(await store.disputableMicro('alice', NOW + 10), 0n, 'disputed jobs are no longer disputable');
        await store.decideCheck(decision(checks.get('j1')!, 'disagree', [{ minerId: 'gpu-1', kind: 'reexecution', passed: false, now: NOW + 100, detail: 'differs' }]));
        await store.decideCheck(decision(checks.get('j2')!, 'agree', [{ minerId: 'gpu-1', kind: 'reexecution', passed: true, now: NOW + 100, detail: '' }]));
        const [j1, j2] = [await store.getJob('j1'), await store.getJob('j2')];
        assert.deepEqual([j1?.dispute?.state, j1?.dispute?.decidedAt, j2?.dispute?.state], ['upheld', NOW + 100, 'rejected']);
        const earnings = await store.minerEarnings('gpu-1', NOW + 100);
        assert.deepEqual([earnings.heldMicro, earnings.earnedMicro], [0n, 200_000n], 'j1 refunded, j2 released before its window ends');
        // Both dispute re-runs stay escrowed (queued); j1's price came back.
        assert.deepEqual(await store.getAccount('alice'), { account: 'alice', availableMicro: 10n * M - 200_000n - 2n * M, escrowedMicro: 2n * M, withdrawingMicro: 0n });
        assert.deepEqual(await store.claimReceipt('rcpt-j1', NOW + WINDOW), { kind: 'held', acceptUntil: NOW + WINDOW, dispute: 'upheld' });
      },
    },
    {
      name: 'a dispute racing the verdict of the job\'s pending check: whichever lands first, the dispute ends upheld and the client is refunded once',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        await funded(store, 'verification', 10n * M);
        // One miner per job, so the verdicts do not queue on one track record; the disputes start a
        // little later each time, to land in different places of the verdict's transaction.
        const jobs = Array.from({ length: 8 }, (_, i) => `j${i}`);
        const checks: CheckRecord[] = [];
        for (const [i, jobId] of jobs.entries()) {
          await registered(store, miner(`gpu-${i}`));
          checks.push(await judgedJob(store, jobId, `gpu-${i}`));
        }
        const [a, b] = await database.stores(2);
        await Promise.all(
          jobs.map(async (jobId, i) => {
            const [, opened] = await Promise.all([
              b!.decideCheck(decision(checks[i]!.checkId, 'disagree', [{ minerId: `gpu-${i}`, kind: 'reexecution', passed: false, now: NOW + 10, detail: 'differs' }], NOW + 10)),
              new Promise((resolve) => setTimeout(resolve, i % 4)).then(() => a!.openDispute({ jobId, account: 'alice', reason: 'wrong', now: NOW + 10, rerun: disputeRerun(jobId) })),
            ]);
            assert.equal(opened.kind, 'opened', jobId);
            if (opened.kind === 'opened') assert.equal(opened.rerun, null, 'the pending check judges it: no second re-run');
          }),
        );
        for (const jobId of jobs) assert.equal((await store.getJob(jobId))?.dispute?.state, 'upheld', jobId);
        assert.deepEqual(await store.getAccount('alice'), { account: 'alice', availableMicro: 10n * M, escrowedMicro: 0n, withdrawingMicro: 0n }, 'every price refunded, once');
        for (const i of jobs.keys()) assert.equal((await store.minerEarnings(`gpu-${i}`, NOW + WINDOW)).heldMicro, 0n);
      },
    },
    {
      name: 'two connections sweep due receipts at once: each is released once, the earnings move once',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        for (let i = 0; i < 12; i++) await ranJob(store, newJob(`j${i}`, { acceptanceWindowMs: WINDOW }), 'gpu-1', 1_000n);
        const [a, b] = await database.stores(2);
        const released = await Promise.all([a!.releaseDue(NOW + WINDOW, 100), b!.releaseDue(NOW + WINDOW, 100)]);
        assert.equal(released[0]! + released[1]!, 12, 'released counted once between them');
        const earnings = await store.minerEarnings('gpu-1', NOW + WINDOW);
        assert.deepEqual([earnings.heldMicro, earnings.earnedMicro], [0n, 12_000n]);
      },
    },
  ],
};
