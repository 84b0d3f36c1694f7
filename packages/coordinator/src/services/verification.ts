// The verification ladder at work (issue 12). After each completion it plans the checks
// (src/verification/sampling.ts) and creates them as ordinary jobs: a re-execution of a client
// job on another owner's miner with the same weights, or a canary (a known answer from the pool)
// pinned to the miner. When a check's job ends, it judges the runs by the majority rule
// (majority.ts): a re-execution's, which may ask for up to two tie-breaks (each by a miner of
// none of the owners so far) before anyone is failed; a canary answer with the runs that agreed
// on the entry, which may ask for one confirming run (a tie-break job naming the canary job) and
// withdraws the entry when that run sides with the canary's miner. A trusted miner's entry is
// taken as it is (compare.ts): a canary answer that disagrees fails at once. The
// verdict moves the miners' records and standings (pause.ts) and grows the pool, in one
// transaction. Deciding is idempotent (the store writes a verdict once, and queues a tie-break
// only for the runs it was judged on), so the sweeper's tick decides any check whose latest run
// ended without a verdict: a crash between the two, or a run that failed, expired or was
// cancelled (abandoned). Check jobs are paid by `settings.account`, or by the
// client when it asked for `verify`; one that cannot be paid is skipped, never the client's job.

import { randomInt } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { ApiError, newId } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { CanaryRecord, CheckPage, CheckRecord, CheckVerdict, CoordinatorStore, DecidedOutcome, JobRecord, MinerRecord, MinerTrackRecord, NewCanary, NewJob } from '../store/store.ts';
import { compareRuns, type Comparison, type RunEvidence } from '../verification/compare.ts';
import { judgeRuns, type MinerRun } from '../verification/majority.ts';
import { afterCheck, resumed } from '../verification/pause.ts';
import { mayVerify, planChecks } from '../verification/sampling.ts';
import type { VerificationSettings } from '../verification/settings.ts';
import { baseBits, canonicalOutput } from './job-kinds.ts';
import type { WorkSignal } from './work-signal.ts';

/** Why a planned check was not made (the label of aitbc_checks_skipped_total). */
export type SkipReason = 'insufficient_balance' | 'no_digest';

/** Checks the sweeper decides per tick at most. */
const DECIDE_BATCH = 100;

const ENDED: ReadonlySet<string> = new Set(['failed', 'cancelled', 'expired']);

/** A uniform draw in [0, 1) from the system's CSPRNG: a miner cannot predict which jobs are checked. */
export const cryptoRandom = (): number => randomInt(0, 2 ** 47) / 2 ** 47;

/** The owner keys of these miners (unknown ones left out), each once: a check's next run excludes them. */
const ownersOf = (miners: readonly (MinerRecord | null)[]): string[] => [...new Set(miners.flatMap((miner) => (miner ? [miner.ownerKeyId] : [])))];

const evidence = (job: JobRecord): RunEvidence => ({
  output: canonicalOutput(job) ?? '',
  completionTokens: job.completionTokens ?? 0,
  backend: job.backend ?? 'unknown',
  modelDigest: job.modelDigest,
});

interface Verdict {
  verdict: CheckVerdict;
  rule: string | null;
  detail: string;
  outcomes?: DecidedOutcome[];
  canary?: NewCanary | null;
  withdrawCanaryId?: number | null;
}

/** A run a decided check failed: the checked miner's, or a verifier's that lost the majority. */
export interface RunFailure {
  check: CheckRecord;
  minerId: string;
}

export class VerificationService {
  private readonly skipped = new Map<SkipReason, number>();
  /** Told of every failed run once its check is decided (the chain's slasher, with --chain-url). */
  onRunFailed: ((failure: RunFailure) => Promise<void>) | null = null;
  /** A miner's standing (paused, resumed, probation) changed: cached copies must go. */
  onStandingChanged: ((minerId: string) => Promise<void>) | null = null;

  constructor(
    private readonly store: CoordinatorStore,
    private readonly signal: WorkSignal,
    private readonly config: CoordinatorConfig,
    private readonly log: Pick<FastifyBaseLogger, 'warn' | 'error'>,
    private readonly random: () => number = cryptoRandom,
  ) {}

  private get settings(): VerificationSettings {
    return this.config.verification;
  }

  /** Checks not made since start, by reason. */
  get skippedCounts(): ReadonlyMap<SkipReason, number> {
    return this.skipped;
  }

  /** After a completion's transaction (MinerService.complete): decides the check it ran for, then plans this miner's checks. Never throws. */
  async afterCompletion(job: JobRecord, miner: MinerRecord): Promise<void> {
    try {
      if (job.purpose !== 'client') await this.decideForJob(job.jobId);
      if (this.settings.trustedMiners.has(miner.minerId)) {
        if (job.purpose === 'client') await this.addToPool(job, 'trusted', [job.jobId]);
        return;
      }
      // `miner` was read just before this completion, which counted one more job. A check run's
      // verdict (just decided) may have restarted probation, so only then is the record read again.
      const record = job.purpose === 'client' ? { ...miner.track, jobsCompleted: miner.track.jobsCompleted + 1 } : (await this.store.getMiner(miner.minerId))?.track;
      if (!record) return;
      const plan = planChecks(
        { purpose: job.purpose, verifyRequested: job.verify, miner: { jobsSinceProbation: record.jobsCompleted - record.probationStartJobs, trusted: false } },
        this.settings,
        this.random,
      );
      // 'client' (verify) was released in the completion's own transaction.
      if (plan.reexecute === 'operator') await this.reexecute(job, miner);
      if (plan.canary) await this.sendCanary(miner, job);
    } catch (error) {
      this.log.error({ err: error, job_id: job.jobId }, 'verification after a completion failed; the sweeper decides pending checks');
    }
  }

  /** The sweeper's tick: decides every pending check whose job ended. */
  async decideEnded(): Promise<number> {
    const checks = await this.store.decidableChecks(DECIDE_BATCH);
    for (const check of checks) await this.decide(check);
    return checks.length;
  }

  /** Checks, newest first; `minerId`: the checks of its work, and those that failed its run as a verifier. */
  listChecks(query: { minerId: string | null; limit: number; after: number | null }): Promise<CheckPage> {
    return this.store.listChecks(query);
  }

  /** An operator's review: the miner works again, on a new probation. */
  async resume(minerId: string): Promise<MinerTrackRecord> {
    const record = await this.store.updateStanding(minerId, (current) => resumed(current, current.jobsCompleted));
    if (!record) throw new ApiError('MINER_NOT_FOUND', `Miner ${minerId} is not registered`);
    await this.onStandingChanged?.(minerId);
    return record;
  }

  private skip(reason: SkipReason, detail: Record<string, unknown>): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
    this.log.warn({ reason, ...detail }, 'verification check skipped');
  }

  /** A sampled re-execution paid by the operator: same job, another owner's miner with the same weights. */
  private async reexecute(subject: JobRecord, miner: MinerRecord): Promise<void> {
    if (subject.modelDigest === null) return this.skip('no_digest', { job_id: subject.jobId });
    // Embedding vectors differ in their last bits between runs on different GPUs: no exact verdict.
    if (subject.kind === 'embedding') return;
    const now = this.config.now();
    const rerun: NewJob = {
      ...this.copyOf(subject, now),
      account: this.settings.account,
      purpose: 'reexecution',
      subjectJobId: subject.jobId,
      requiredDigest: subject.modelDigest,
      excludedOwners: [miner.ownerKeyId],
      receiptClient: subject.receiptClient,
    };
    await this.createCheck(rerun, { kind: 'reexecution', minerId: miner.minerId, subjectJobId: subject.jobId, canaryId: null });
  }

  /**
   * A client's dispute: a re-execution of `subject` paid by its client, on another owner's miner
   * with the same weights, judged (with tie-breaks) like any re-execution; the store queues it
   * unless the job already has one (src/store/store.ts openDispute).
   */
  /**
   * Whether a miner that could re-run `subject` is online now: another owner, the same digest,
   * allowed to verify. Only the best-scored page of the model's miners is looked at (100).
   */
  async verifierOnline(subject: JobRecord): Promise<boolean> {
    const owner = (await this.store.getMiner(subject.minerId!))?.ownerKeyId;
    const onlineSince = this.config.now() - this.config.minerTimeoutSeconds * 1000;
    const page = await this.store.listMiners({ model: subject.model, onlineSince, limit: 100, after: null });
    return page.items.some(
      (miner) =>
        miner.lastSeenAt >= onlineSince &&
        miner.ownerKeyId !== owner &&
        (subject.modelDigest === null || miner.digests.get(subject.model) === subject.modelDigest) &&
        mayVerify(
          { jobsSinceProbation: miner.track.jobsCompleted - miner.track.probationStartJobs, trusted: this.settings.trustedMiners.has(miner.minerId), paused: miner.track.pausedAt !== null },
          this.settings,
        ),
    );
  }

  async disputeRerun(subject: JobRecord): Promise<NewJob> {
    const miner = await this.store.getMiner(subject.minerId!);
    return {
      ...this.copyOf(subject, this.config.now()),
      purpose: 'reexecution',
      subjectJobId: subject.jobId,
      requiredDigest: subject.modelDigest,
      excludedOwners: miner ? [miner.ownerKeyId] : [],
      receiptClient: subject.receiptClient,
    };
  }

  /** A job running what `job` ran, as a new queued job from now, as long as it had. */
  private copyOf(job: JobRecord, now: number): NewJob {
    return {
      jobId: newId('job'),
      account: job.account,
      model: job.model,
      kind: job.kind,
      prompt: job.prompt,
      requires: job.requires,
      params: job.params,
      maxPriceMicro: job.maxPriceMicro,
      minUnits: job.minUnits,
      pinnedMinerId: null,
      createdAt: now,
      deadline: now + (job.deadline - job.createdAt),
    };
  }

  /** A canary from the pool for this miner's weights, priced and timed like `like`; none when the pool has none it has not seen. */
  private async sendCanary(miner: MinerRecord, like: JobRecord): Promise<void> {
    const digest = miner.digests.get(like.model);
    if (digest === undefined) return;
    const entry = await this.store.findCanary({ model: like.model, modelDigest: digest, minerId: miner.minerId });
    if (!entry) return;
    const now = this.config.now();
    const job: NewJob = {
      ...this.copyOf(like, now),
      account: this.settings.account,
      kind: entry.kind,
      prompt: entry.prompt,
      requires: baseBits(entry.kind),
      params: entry.params,
      minUnits: entry.params.max_tokens ?? 1,
      pinnedMinerId: miner.minerId,
      purpose: 'canary',
      canaryId: entry.canaryId,
      receiptClient: entry.receiptClient,
    };
    await this.createCheck(job, { kind: 'canary', minerId: miner.minerId, subjectJobId: null, canaryId: entry.canaryId });
  }

  private async createCheck(job: NewJob, check: Parameters<CoordinatorStore['createCheck']>[1]): Promise<void> {
    const outcome = await this.store.createCheck(job, check);
    if (outcome.kind === 'insufficient_balance') return this.skip('insufficient_balance', { account: job.account, available_micro: String(outcome.availableMicro), kind: check.kind });
    this.signal.notify(outcome.job);
  }

  /** A paused miner that may earn its way back has one canary at a time, until its verdict (so a wrong answer awaiting confirmation cannot be outrun). */
  private async ensureCanary(minerId: string, like: JobRecord): Promise<void> {
    if ((await this.store.openCanaries(minerId)) > 0) return;
    const miner = await this.store.getMiner(minerId);
    if (miner) await this.sendCanary(miner, like);
  }

  private async addToPool(job: JobRecord, source: NewCanary['source'], evidenceJobIds: string[]): Promise<void> {
    const entry = this.poolEntry(job, source, evidenceJobIds);
    if (entry) await this.store.addCanary(entry);
  }

  /** `job`'s output as a pool entry; `evidenceJobIds`: the runs that agreed on it (or `job` alone when trusted). */
  private poolEntry(job: JobRecord, source: NewCanary['source'], evidenceJobIds: string[]): NewCanary | null {
    // Only requests any miner of the model can run (a canary waits for its one miner) and whose
    // answers can be compared exactly: no embedding vectors, no tool or format requirements.
    if (job.modelDigest === null || job.backend === null || job.output === null || job.kind === 'embedding' || job.requires !== baseBits(job.kind)) return null;
    return {
      model: job.model,
      modelDigest: job.modelDigest,
      backend: job.backend,
      kind: job.kind,
      prompt: job.prompt,
      params: job.params,
      output: canonicalOutput(job)!,
      completionTokens: job.completionTokens ?? 0,
      source,
      sourceJobId: job.jobId,
      receiptClient: job.receiptClient,
      evidenceJobIds,
      createdAt: this.config.now(),
    };
  }

  private async decideForJob(jobId: string): Promise<void> {
    const check = await this.store.checkForJob(jobId);
    if (check && check.verdict === null) await this.decide(check);
  }

  private async decide(check: CheckRecord): Promise<void> {
    const checkJob = (await this.store.getJob(check.checkJobId))!;
    const verdict = check.kind === 'canary' ? await this.judgeCanary(check, checkJob) : await this.judgeReexecution(check);
    if (verdict === null) return; // another run is to come: decided when it ends
    const now = this.config.now();
    const decision = await this.store.decideCheck({
      checkId: check.checkId,
      verdict: verdict.verdict,
      rule: verdict.rule,
      detail: verdict.detail,
      now,
      outcomes: verdict.outcomes ?? [],
      nextStanding: (record, outcome) => afterCheck(record, { kind: outcome.kind, passed: outcome.passed, detail: outcome.detail, now, jobsCompleted: record.jobsCompleted }, this.settings),
      canary: verdict.canary ?? null,
      withdrawCanaryId: verdict.withdrawCanaryId ?? null,
    });
    if (!decision.decided) return;
    for (const outcome of verdict.outcomes ?? []) {
      if (!outcome.passed) await this.onRunFailed?.({ check, minerId: outcome.minerId }).catch((error: unknown) => this.log.error({ err: error, check_id: check.checkId }, 'reporting a failed run failed'));
    }
    // A paused miner earns its way back only through canaries: a canary check that counted
    // nobody (abandoned, inconclusive) must leave it another, or it stays paused for good.
    for (const [minerId] of decision.records) await this.onStandingChanged?.(minerId);
    const records = new Map(decision.records);
    if (check.kind === 'canary' && !records.has(check.minerId)) {
      const miner = await this.store.getMiner(check.minerId);
      if (miner) records.set(check.minerId, miner.track);
    }
    for (const [minerId, record] of records) {
      if (record.pausedAt !== null && !record.needsReview) await this.ensureCanary(minerId, checkJob);
    }
  }

  /**
   * A trusted entry's reference is compared with the answer (a disagreement fails at once). An
   * agreement's is judged by the majority rule as [canary run, the entry's agreeing runs…,
   * confirming run]: only the canary's miner is counted, and a confirming run that sides with it
   * withdraws the entry. null while the confirming run is to come.
   */
  private async judgeCanary(check: CheckRecord, canaryJob: JobRecord): Promise<Verdict | null> {
    if (ENDED.has(canaryJob.status)) return { verdict: 'abandoned', rule: null, detail: `the canary job ${canaryJob.status}: ${canaryJob.error ?? ''}` };
    const entry = (await this.store.getCanary(check.canaryId!)) as CanaryRecord;
    const reference: RunEvidence = { output: entry.output, completionTokens: entry.completionTokens, backend: entry.backend, modelDigest: entry.modelDigest };
    const comparison = compareRuns(evidence(canaryJob), reference, entry.params);
    if (entry.source === 'trusted') return { ...comparison, outcomes: this.counted(comparison, [{ minerId: check.minerId, kind: 'canary' }]) };

    const confirmations = await this.store.rerunsOf(canaryJob.jobId);
    const latest = confirmations.at(-1);
    if (latest && ENDED.has(latest.status)) return { verdict: 'abandoned', rule: null, detail: `the confirming run ${latest.status}: ${latest.error ?? ''}` };
    if (latest && latest.status !== 'completed') return null;
    const agreeing = await Promise.all(entry.evidenceJobIds.map(async (jobId) => (await this.store.getJob(jobId))!));
    const canaryRun: MinerRun = { minerId: check.minerId, run: evidence(canaryJob) };
    const runs: MinerRun[] = [canaryRun, ...[...agreeing, ...confirmations].map((job) => ({ minerId: job.minerId!, run: evidence(job) }))];
    const judged = judgeRuns(runs, entry.params);
    const now = this.config.now();
    const counted = (passed: boolean, detail: string): DecidedOutcome[] => [{ minerId: check.minerId, kind: 'canary', passed, detail, now }];
    switch (judged.kind) {
      case 'agreed':
        return { ...comparison, outcomes: counted(true, comparison.detail) };
      case 'need_run':
        return this.startConfirmation(check, canaryJob, entry, confirmations.length);
      case 'decided': {
        const failed = judged.failed.includes(check.minerId);
        return { verdict: failed ? 'disagree' : 'agree', rule: comparison.rule, detail: failed ? judged.detail : comparison.detail, outcomes: counted(!failed, judged.detail) };
      }
      case 'inconclusive': {
        // Two cheaters may have agreed on the entry: a confirming run siding with the canary's miner puts it in doubt.
        const sided = latest !== undefined && judgeRuns([canaryRun, { minerId: latest.minerId!, run: evidence(latest) }], entry.params).kind === 'agreed';
        return {
          verdict: 'inconclusive',
          rule: null,
          detail: sided ? `the confirming run of ${latest.minerId} agrees with the canary answer: ${judged.detail}; the entry is withdrawn` : judged.detail,
          withdrawCanaryId: sided ? entry.canaryId : null,
        };
      }
    }
  }

  /** The run confirming a canary answer that disagreed: a tie-break of the canary job by a miner of none of the owners that ran the entry's job. */
  private async startConfirmation(check: CheckRecord, canaryJob: JobRecord, entry: CanaryRecord, runsSoFar: number): Promise<Verdict | null> {
    const runners = await Promise.all((await this.store.canaryRunners(entry.canaryId)).map((minerId) => this.store.getMiner(minerId)));
    const job: NewJob = {
      ...this.copyOf(canaryJob, this.config.now()),
      account: this.settings.account,
      purpose: 'tiebreak',
      subjectJobId: canaryJob.jobId,
      canaryId: entry.canaryId,
      requiredDigest: entry.modelDigest,
      excludedOwners: ownersOf(runners),
      receiptClient: entry.receiptClient,
    };
    return this.queueRun(check, job, runsSoFar, 'the canary answer disagreed');
  }

  /**
   * The claimed run, then each re-run in order, judged by the majority rule (majority.ts). What is
   * counted: every run the judgement places — each miner whose run agrees with the deciding
   * majority (or with all the others) passes a re-execution check, each run it names failed fails
   * one, whether that is the checked miner or a verifier; an inconclusive judgement counts nobody.
   * null while a run is still to come.
   */
  private async judgeReexecution(check: CheckRecord): Promise<Verdict | null> {
    const subject = (await this.store.getJob(check.subjectJobId!))!;
    const reruns = await this.store.rerunsOf(subject.jobId);
    const latest = reruns.at(-1)!;
    if (ENDED.has(latest.status)) return { verdict: 'abandoned', rule: null, detail: `the ${latest.purpose === 'tiebreak' ? 'tie-break' : 're-run'} ${latest.status}: ${latest.error ?? ''}` };
    if (latest.status !== 'completed') return null;
    const jobs = [subject, ...reruns];
    const runs: MinerRun[] = jobs.map((job) => ({ minerId: job.minerId!, run: evidence(job) }));
    /** The jobs whose runs these miners ran: a pool entry's evidence. */
    const jobsOf = (minerIds: string[]) => jobs.filter((job) => minerIds.includes(job.minerId!)).map((job) => job.jobId);
    const judged = judgeRuns(runs, subject.params);
    const now = this.config.now();
    const runOf = (minerId: string) => runs.find((entry) => entry.minerId === minerId)!.run;
    switch (judged.kind) {
      case 'need_run':
        return this.startTiebreak(check, subject, reruns);
      case 'inconclusive':
        return { verdict: 'inconclusive', rule: null, detail: judged.detail };
      case 'agreed': {
        const comparison = compareRuns(runs[0]!.run, runs[1]!.run, subject.params);
        return {
          verdict: 'agree',
          rule: comparison.rule,
          detail: comparison.detail,
          outcomes: judged.passed.map((minerId) => ({ minerId, kind: 'reexecution', passed: true, detail: comparison.detail, now })),
          canary: this.poolEntry(subject, 'agreement', jobsOf(judged.passed)),
        };
      }
      case 'decided': {
        const subjectFailed = judged.failed.includes(subject.minerId!);
        const rule = compareRuns(runOf(judged.failed[0]!), runOf(judged.passed[0]!), subject.params).rule;
        return {
          verdict: subjectFailed ? 'disagree' : 'agree',
          rule,
          detail: subjectFailed ? judged.detail : `the re-run of ${judged.failed.join(', ')} failed: ${judged.detail}`,
          outcomes: [
            ...judged.passed.map((minerId) => ({ minerId, kind: 'reexecution' as const, passed: true, detail: judged.detail, now })),
            ...judged.failed.map((minerId) => ({ minerId, kind: 'reexecution' as const, passed: false, detail: judged.detail, now })),
          ],
          canary: subjectFailed ? null : this.poolEntry(subject, 'agreement', jobsOf(judged.passed)),
        };
      }
    }
  }

  /** One more run by a miner of none of the owners so far, same weights, same payer; null once it is queued. */
  private async startTiebreak(check: CheckRecord, subject: JobRecord, reruns: JobRecord[]): Promise<Verdict | null> {
    const first = reruns[0]!;
    const miners = await Promise.all([subject, ...reruns].map((job) => this.store.getMiner(job.minerId!)));
    const now = this.config.now();
    const job: NewJob = {
      ...this.copyOf(subject, now),
      account: first.account,
      purpose: 'tiebreak',
      subjectJobId: subject.jobId,
      requiredDigest: first.requiredDigest ?? subject.modelDigest,
      excludedOwners: ownersOf(miners),
      receiptClient: subject.receiptClient,
    };
    return this.queueRun(check, job, reruns.length, 'the runs disagreed');
  }

  /** Queues the check's next run once (guarded on `runsSoFar`); null once queued, inconclusive when its payer cannot pay. */
  private async queueRun(check: CheckRecord, job: NewJob, runsSoFar: number, why: string): Promise<Verdict | null> {
    const outcome = await this.store.startTiebreak(check.checkId, job, runsSoFar);
    if (outcome.kind === 'started') {
      this.signal.notify(outcome.job);
      return null;
    }
    if (outcome.kind === 'not_pending') return null;
    this.skip('insufficient_balance', { account: job.account, available_micro: String(outcome.availableMicro), kind: 'tiebreak' });
    return { verdict: 'inconclusive', rule: null, detail: `${why} and account ${job.account} could not pay another run` };
  }

  /** The outcomes a two-way comparison counts: none when inconclusive. */
  private counted(comparison: Comparison, miners: { minerId: string; kind: DecidedOutcome['kind'] }[]): DecidedOutcome[] {
    if (comparison.verdict === 'inconclusive') return [];
    const now = this.config.now();
    return miners.map(({ minerId, kind }) => ({ minerId, kind, passed: comparison.verdict === 'agree', detail: comparison.detail, now }));
  }
}
