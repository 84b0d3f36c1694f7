// The verification simulation: client jobs dispatched at random to unpaused miners, and after
// every completion the REAL policy: planChecks (sampling) decides re-execution and canaries,
// mayVerify (sampling) says who may re-run a job, judgeRuns (majority) asks for tie-breaks
// and confirming runs and says who was wrong (re-executions and canaries alike), afterCheck
// (pause) pauses and resumes. The store is this module's memory: each miner's standing and job count, as the
// coordinator's store would hold them.
//
// Definitions (also printed by the bench):
//   - a miner's jobs: everything it ran, client jobs and check runs;
//   - jobs until caught: a cheater's jobs from the first one of its cheating phase (its first job,
//     or the first after its honest record; not every one of them is a cheat) up to and including
//     the job whose check failed it for the first time (the checked job, or the canary). Checks
//     run here right after the job they check; a real coordinator re-runs it a little later, so a
//     miner may run a few more jobs meanwhile;
//   - a cheater paused for good (needs review) is replaced by a fresh one of the same strategy
//     (new owner, new probation), so every strategy keeps its count of miners;
//   - a run of a fixed number of client jobs ends with some cheaters still uncaught, and a slow
//     tail (a 10 % cheater's p99) may lie beyond every life the run saw end. With `follow`, the run
//     goes on, in the same world, until the first `lives` cheaters of each cheating strategy (in the
//     order they joined) have each been caught or have run `capJobs` jobs of cheating; only those
//     lives are then counted, so the tail is observed up to the cap rather than cut off by the end;
//   - no miner here is ever busy, so "no eligible miner free" means none exists (all of other
//     owners on probation or paused). The coordinator's re-run job would wait in the queue until
//     one is, or until its deadline; the simulation counts it and ends the check undecided, as
//     at the deadline (a tie-break missing: inconclusive, counted for nobody);
//   - a canary answer that disagrees with its entry's agreeing runs gets one confirming run by an
//     eligible miner of another owner that has not run the job; 3 against 1 fails the canary's
//     miner, anything else is inconclusive and the entry is withdrawn. No simulated miner is
//     trusted, so there is no trusted reference (which would fail a disagreeing canary at once).

import { DEMO_MODEL, DemoBackend } from '../../packages/miner/src/backends/demo.ts';
import { judgeRuns, type RunsJudgement } from '../../packages/coordinator/src/verification/majority.ts';
import { afterCheck, resumed } from '../../packages/coordinator/src/verification/pause.ts';
import { mayVerify, planChecks, type JobPurpose, type MinerProgress } from '../../packages/coordinator/src/verification/sampling.ts';
import { DEFAULT_VERIFICATION, type VerificationSettings } from '../../packages/coordinator/src/verification/settings.ts';
import { hash32, seededRandom } from '../../packages/miner/src/backends/random.ts';
import type { CheaterLife } from './economics.ts';
import { CanaryPool, type CanaryEntry, type JudgedRun } from './canary-pool.ts';
import { Population, STRATEGIES, type PendingRun, type Run, type SimMiner, type Strategy } from './miners.ts';
import { workload, type SimJob } from './workload.ts';

/**
 * Who runs re-executions and tie-breaks (always of another owner than every run so far):
 * `mayVerify`, the coordinator's rule (trusted, or unpaused and past probation); `any` unpaused
 * miner, kept only to show why the rule exists (not a target).
 */
export type CheckMiners = 'mayVerify' | 'any';

export interface SimOptions {
  jobs: number;
  seed: number;
  /** Default: mayVerify, the coordinator's rule. */
  checkMiners?: CheckMiners;
  settings?: VerificationSettings;
  strategies?: readonly Strategy[];
  /** Follow the first cheaters until each is caught (or at a cap): `jobs` is then the least number of client jobs. */
  follow?: FollowOptions;
}

/** The first `lives` cheaters of each cheating strategy, each until caught or `capJobs` jobs into its cheating. */
export interface FollowOptions {
  lives: number;
  capJobs: number;
}

/** A followed run that would go on past this many client jobs is stopped: something never gets caught. */
const FOLLOW_LIMIT_JOBS = 20_000_000;

/** Who caused a check run: a miner on probation, one past it, or a paused miner earning its way back. */
export type Bucket = 'probation' | 'past' | 'resume';
type Counts = Record<Bucket, number>;
/** What a check run is for: the first re-run of a client job, a tie-break, or the run confirming a failed canary. */
type CheckKind = 'reexecution' | 'tiebreak' | 'confirmation';
/** A check run with the purpose its job has (confirmations are tie-break jobs to the miner). */
type CheckRun = JudgedRun & { purpose: 'reexecution' | 'tiebreak' };
const zero = (): Counts => ({ probation: 0, past: 0, resume: 0 });

export interface StrategyOutcome {
  strategy: Strategy;
  /** Miners of this strategy that took part (the first ones and their replacements). */
  miners: number;
  /** Jobs until caught, one per cheater caught (with `follow`: per followed cheater). */
  caught: number[];
  /**
   * For cheaters still uncaught at the end: their jobs since they started cheating (with `follow`:
   * one per followed cheater that reached the cap, at the cap).
   */
  uncaught: number[];
  /** Jobs from the start of cheating until paused for good (needs review). */
  pausedForGood: number[];
  /** Cheaters that served out a pause and came back on probation. */
  resumed: number;
  /** Runs by miners of this strategy, by purpose: its client jobs and the check runs it did. */
  runs: Record<JobPurpose, number>;
  /** Failed a check during its honest record (a wrong majority): counted against the policy. */
  flaggedBeforeCheating: number;
  /** One per miner of the strategy (cheaters only): what its cheating brought and cost (economics.ts). */
  lives: CheaterLife[];
}

export interface SimResult {
  jobs: number;
  seed: number;
  checkMiners: CheckMiners;
  settings: VerificationSettings;
  follow: FollowOptions | null;
  /** Client jobs completed by miners on probation and past it. */
  clientJobs: { probation: number; past: number };
  checkRuns: Record<CheckKind | 'canary', Counts>;
  outcomes: StrategyOutcome[];
  /** Honest miners' failed checks: each one a wrongly flagged honest miner. */
  honestFlagged: { miner: string; kind: 'canary' | 'reexecution'; detail: string }[];
  /** Re-executions whose first re-run disagreed with the claimed run (each costs up to 2 tie-breaks). */
  disagreements: number;
  /** Re-executions judgeRuns left undecided: counted for nobody. */
  inconclusive: number;
  canaryChecks: {
    /** Canary answers that disagreed with their entry's evidence (each asks for a confirming run). */
    disagreed: number;
    /** The canary's miner failed: the evidence and the confirming run agreed against it. */
    failed: number;
    /** Confirmations that sided with the canary's miner: the entry was withdrawn. */
    withdrawn: number;
    /** Inconclusive otherwise (a third answer, or runs that cannot be compared): the entry stays, nobody agreed with the miner. */
    kept: number;
    /** Left undecided for want of an eligible confirming miner (the entry stays). */
    noConfirmer: number;
    /** Canaries answered by honest miners against a wrong reference (known to the simulation only). */
    honestOnWrongReference: number;
  };
  /** Re-executions and tie-breaks for which no eligible miner existed (the check ends undecided). */
  noEligibleMiner: number;
  /** Canaries planned or owed to a paused miner that had no unseen pool entry to get. */
  canariesUnavailable: number;
  /** Entries at the end; wrong ones ever added; withdrawn ones, and how many of those were wrong. */
  pool: { size: number; contaminated: number; withdrawn: number; withdrawnWrong: number };
}

export async function runSimulation(options: SimOptions): Promise<SimResult> {
  const digest = (await new DemoBackend().modelDigests())[DEMO_MODEL]!;
  const simulation = new Simulation(options, digest);
  await simulation.run(options.jobs);
  return simulation.result();
}

class Simulation {
  readonly #settings: VerificationSettings;
  readonly #seed: number;
  readonly #checkMiners: CheckMiners;
  /** Separate seeded streams, so a change in one use does not reshuffle the others. */
  readonly #dispatchRandom: () => number;
  readonly #planRandom: () => number;
  readonly #nextJob: () => SimJob;
  readonly #population: Population;
  readonly #pool = new CanaryPool();
  readonly #miners: SimMiner[] = [];
  readonly #outcomes = new Map<Strategy, StrategyOutcome>();
  readonly #clientJobs = { probation: 0, past: 0 };
  readonly #checkRuns = { reexecution: zero(), tiebreak: zero(), confirmation: zero(), canary: zero() };
  readonly #honestFlagged: SimResult['honestFlagged'] = [];
  #disagreements = 0;
  #inconclusive = 0;
  readonly #canaryChecks: SimResult['canaryChecks'] = { disagreed: 0, failed: 0, withdrawn: 0, kept: 0, noConfirmer: 0, honestOnWrongReference: 0 };
  #noEligibleMiner = 0;
  #canariesUnavailable = 0;
  #now = 0;
  readonly #follow: FollowOptions | null;
  /** With `follow`: the cheaters still followed, and how many more of each strategy are to be. */
  readonly #followed = new Set<SimMiner>();
  readonly #toFollow = new Map<Strategy, number>();

  constructor(options: SimOptions, digest: string) {
    this.#settings = options.settings ?? DEFAULT_VERIFICATION;
    this.#seed = options.seed;
    this.#checkMiners = options.checkMiners ?? 'mayVerify';
    this.#dispatchRandom = seededRandom(hash32(`dispatch:${options.seed}`));
    this.#planRandom = seededRandom(hash32(`plan:${options.seed}`));
    this.#nextJob = workload(seededRandom(hash32(`workload:${options.seed}`)));
    this.#population = new Population(digest, options.seed);
    this.#follow = options.follow ?? null;
    for (const strategy of options.strategies ?? STRATEGIES) {
      if (this.#follow && strategy.cheat) this.#toFollow.set(strategy, this.#follow.lives);
      this.#outcomes.set(strategy, { strategy, miners: strategy.count, caught: [], uncaught: [], pausedForGood: [], resumed: 0, flaggedBeforeCheating: 0, runs: { client: 0, reexecution: 0, tiebreak: 0, canary: 0 }, lives: [] });
      for (let i = 0; i < strategy.count; i++) this.#miners.push(this.#enlist(strategy, false));
    }
  }

  async run(jobs: number): Promise<void> {
    for (let i = 0; i < jobs || this.#following(); i++) {
      if (i >= FOLLOW_LIMIT_JOBS) throw new Error(`${this.#followed.size} followed cheaters neither caught nor at the cap after ${i.toLocaleString('en')} client jobs`);
      this.#now = i;
      await this.#serveResumeCanaries();
      const job = this.#nextJob();
      const miner = this.#pick([]);
      if (!miner) throw new Error('every miner is paused: nobody left to dispatch to');
      const run = this.#execute(miner, job, 'client');
      this.#clientJobs[this.#onProbation(miner) ? 'probation' : 'past']++;
      await this.#afterCompletion(miner, job, 'client', run);
    }
  }

  result(): SimResult {
    for (const miner of this.#miners) {
      const cheating = this.#jobsCheating(miner);
      if (cheating > 0 && !miner.caught && this.#counted(miner)) this.#outcomes.get(miner.strategy)!.uncaught.push(cheating);
      // A pause still being served at the end has cost it the work dispatched so far.
      if (miner.life && miner.standing.pausedAt !== null) miner.life.pausedJobs += this.#shareOfDispatches(miner.standing.pausedAt);
    }
    return {
      jobs: this.#clientJobs.probation + this.#clientJobs.past,
      seed: this.#seed,
      checkMiners: this.#checkMiners,
      settings: this.#settings,
      follow: this.#follow,
      clientJobs: this.#clientJobs,
      checkRuns: this.#checkRuns,
      outcomes: [...this.#outcomes.values()],
      honestFlagged: this.#honestFlagged,
      disagreements: this.#disagreements,
      inconclusive: this.#inconclusive,
      canaryChecks: this.#canaryChecks,
      noEligibleMiner: this.#noEligibleMiner,
      canariesUnavailable: this.#canariesUnavailable,
      pool: { size: this.#pool.size, contaminated: this.#pool.contaminated, withdrawn: this.#pool.withdrawn, withdrawnWrong: this.#pool.withdrawnWrong },
    };
  }

  /** A new miner of `strategy`, its life (a cheater's) on its strategy's record. */
  #enlist(strategy: Strategy, replacement: boolean): SimMiner {
    const miner = this.#population.create(strategy, replacement);
    if (miner.life) this.#outcomes.get(strategy)!.lives.push(miner.life);
    const toFollow = this.#toFollow.get(strategy) ?? 0;
    if (toFollow > 0) {
      this.#followed.add(miner);
      this.#toFollow.set(strategy, toFollow - 1);
    }
    return miner;
  }

  /** Some followed cheater has not been caught nor reached the cap yet, or has yet to join. */
  #following(): boolean {
    return this.#followed.size > 0 || [...this.#toFollow.values()].some((left) => left > 0);
  }

  /** Its jobs until caught are counted: every cheater's, or with `follow` a followed one's. */
  #counted(miner: SimMiner): boolean {
    return this.#follow === null || this.#followed.has(miner);
  }

  #execute(miner: SimMiner, job: SimJob, purpose: JobPurpose): PendingRun {
    // A followed cheater uncaught after capJobs jobs of cheating is counted at the cap, then left to the world.
    if (this.#follow && this.#followed.has(miner) && this.#jobsCheating(miner) >= this.#follow.capJobs) {
      this.#outcomes.get(miner.strategy)!.uncaught.push(this.#follow.capJobs);
      this.#followed.delete(miner);
    }
    this.#outcomes.get(miner.strategy)!.runs[purpose]++;
    const run = this.#population.execute(miner, job);
    const life = miner.life;
    const jobs = this.#jobsCheating(miner);
    if (life && jobs > 0) {
      life.jobs = jobs;
      if (run.cheated) {
        life.cheatedRuns++;
        if (purpose === 'client') life.cheatedClientJobs.push(jobs);
      }
    }
    return run;
  }

  /** A miner's share of the client jobs dispatched since `since` (a tick of #now): what it would have got. */
  #shareOfDispatches(since: number): number {
    return (this.#now - since) / this.#miners.length;
  }

  /** The miner for a check run, as `checkMiners` says (and passing `also`); undefined (and counted) when none may. */
  #pickChecker(owners: readonly string[], also: (miner: SimMiner) => boolean): SimMiner | undefined {
    const checker = this.#checkMiners === 'any' ? this.#pick(owners, also) : this.#pick(owners, (miner) => also(miner) && mayVerify(this.#standingNow(miner), this.#settings));
    if (!checker) this.#noEligibleMiner++;
    return checker;
  }

  /** A random unpaused miner whose owner is none of `owners` (and that passes `also`). */
  #pick(owners: readonly string[], also: (miner: SimMiner) => boolean = () => true): SimMiner | undefined {
    const eligible = (miner: SimMiner) => miner.standing.pausedAt === null && !owners.includes(miner.owner) && also(miner);
    for (let tries = 0; tries < 16; tries++) {
      const miner = this.#miners[Math.floor(this.#dispatchRandom() * this.#miners.length)]!;
      if (eligible(miner)) return miner;
    }
    const rest = this.#miners.filter(eligible);
    return rest[Math.floor(this.#dispatchRandom() * rest.length)];
  }

  /**
   * Jobs since probation (re)started, not counting the one just completed: a miner's first
   * `probationJobs` jobs are planned at the probation rates.
   */
  #progress(miner: SimMiner): MinerProgress {
    return { jobsSinceProbation: miner.jobsCompleted - 1 - miner.standing.probationStartJobs, trusted: false };
  }

  /** Its progress before it runs anything more (mayVerify's view of a miner asked for a check run). */
  #standingNow(miner: SimMiner): MinerProgress & { paused: boolean } {
    return { jobsSinceProbation: miner.jobsCompleted - miner.standing.probationStartJobs, trusted: false, paused: miner.standing.pausedAt !== null };
  }

  #onProbation(miner: SimMiner): boolean {
    return this.#progress(miner).jobsSinceProbation < this.#settings.probationJobs;
  }

  /** The checks one completion triggers, for a miner that is not paused (`claimed`: a client job's run, the only kind re-executed). */
  async #afterCompletion(miner: SimMiner, job: SimJob, purpose: JobPurpose, claimed?: PendingRun): Promise<void> {
    if (miner.standing.pausedAt !== null) return;
    const bucket = this.#onProbation(miner) ? 'probation' : 'past';
    const plan = planChecks({ purpose, verifyRequested: false, miner: this.#progress(miner) }, this.#settings, this.#planRandom);
    if (plan.reexecute && claimed) await this.#reexecute(miner, job, await claimed.read(), bucket);
    if (plan.canary && miner.standing.pausedAt === null) await this.#canary(miner, bucket);
  }

  /**
   * Asks miners of other owners than every run so far (and passing `also`) for one more run of
   * `job` while judgeRuns says 'need_run'; 'need_run' comes back when no eligible miner exists.
   * Returns the check runs it added (runs[0] is the run being checked).
   */
  async #judge(job: SimJob, runs: JudgedRun[], kindOf: (added: number) => CheckKind, bucket: Bucket, also: (miner: SimMiner) => boolean = () => true): Promise<{ judgement: RunsJudgement; added: CheckRun[] }> {
    const added: CheckRun[] = [];
    // A lone run is the one to check: it needs its re-execution before there is anything to judge.
    let judgement: RunsJudgement = runs.length < 2 ? { kind: 'need_run' } : judgeRuns(runs, job.params);
    while (judgement.kind === 'need_run') {
      const checker = this.#pickChecker(runs.map((entry) => entry.miner.owner), also);
      if (!checker) break;
      const kind = kindOf(added.length);
      const purpose = kind === 'reexecution' ? 'reexecution' : 'tiebreak';
      const run = await this.#execute(checker, job, purpose).read();
      this.#checkRuns[kind][bucket]++;
      const entry: CheckRun = { minerId: checker.id, run, miner: checker, purpose };
      added.push(entry);
      runs.push(entry);
      judgement = judgeRuns(runs, job.params);
    }
    return { judgement, added };
  }

  /**
   * Re-runs a client job on miners of other owners, the claimed run first, then applies
   * judgeRuns' judgement. Each check run is then a completion like any other (it may be followed
   * by a canary for its miner).
   */
  async #reexecute(claimer: SimMiner, job: SimJob, claimed: Run, bucket: Bucket): Promise<void> {
    const runs: JudgedRun[] = [{ minerId: claimer.id, run: claimed, miner: claimer }];
    const { judgement, added } = await this.#judge(job, runs, (before) => (before === 0 ? 'reexecution' : 'tiebreak'), bucket);
    if (runs.length > 2 || (runs.length === 2 && judgement.kind === 'need_run')) this.#disagreements++;
    const minerOf = (id: string) => runs.find((entry) => entry.minerId === id)!.miner;
    if (judgement.kind === 'agreed' || judgement.kind === 'decided') {
      // The agreeing runs become a canary's evidence. Every run on the agreed side passes (a passed
      // re-execution changes no standing: pause); whoever judgeRuns names fails, verifier or not.
      await this.#addCanary(job, runs.filter((entry) => judgement.passed.includes(entry.minerId)), runs.map((entry) => entry.minerId));
      for (const id of judgement.passed) this.#passed(minerOf(id), 'reexecution');
      if (judgement.kind === 'decided') for (const id of judgement.failed) this.#failed(minerOf(id), 'reexecution', judgement.detail);
    } else if (added.length > 0) this.#inconclusive++;
    for (const check of added) await this.#afterCompletion(check.miner, job, check.purpose);
  }

  async #addCanary(job: SimJob, evidence: JudgedRun[], ran: string[]): Promise<void> {
    const reference = evidence[0]!.run;
    const wrong = reference.cheated && reference.output !== (await this.#population.honestOutput(job));
    this.#pool.add(job, evidence, ran, wrong);
  }

  /**
   * A pool entry the miner has not seen, judged with its evidence as [canary run, ...evidence]: a
   * disagreement asks for a confirming run by a miner that has not run the job.
   */
  async #canary(miner: SimMiner, bucket: Bucket): Promise<void> {
    const entry = this.#pool.pickUnseen(miner.id, this.#dispatchRandom);
    if (!entry) return void this.#canariesUnavailable++;
    entry.seen.add(miner.id);
    const run = await this.#execute(miner, entry.job, 'canary').read();
    this.#checkRuns.canary[bucket]++;
    if (entry.wrong && !miner.strategy.cheat) this.#canaryChecks.honestOnWrongReference++;
    const runs: JudgedRun[] = [{ minerId: miner.id, run, miner }, ...entry.evidence];
    const { judgement, added } = await this.#judge(entry.job, runs, () => 'confirmation', bucket, (checker) => !entry.seen.has(checker.id));
    for (const check of added) entry.seen.add(check.minerId);
    this.#applyCanaryJudgement(runs[0]!, entry, judgement, added[0]);
    for (const check of added) await this.#afterCompletion(check.miner, entry.job, check.purpose);
    if (bucket !== 'resume') await this.#afterCompletion(miner, entry.job, 'canary');
  }

  #applyCanaryJudgement(canary: JudgedRun, entry: CanaryEntry, judgement: RunsJudgement, confirmation: CheckRun | undefined): void {
    const { miner } = canary;
    if (judgement.kind === 'agreed') return void this.#passed(miner, 'canary');
    this.#canaryChecks.disagreed++;
    if (judgement.kind === 'decided') {
      // Only the canary's miner can be outvoted here: the evidence agreed before it answered.
      this.#canaryChecks.failed++;
      return this.#failed(miner, 'canary', judgement.detail);
    }
    if (judgement.kind === 'need_run') return void this.#canaryChecks.noConfirmer++;
    // The confirming run sides with the miner: the evidence's agreement is in doubt, never send it again.
    if (confirmation && judgeRuns([canary, confirmation], entry.job.params).kind === 'agreed') {
      this.#canaryChecks.withdrawn++;
      this.#pool.withdraw(entry);
    } else this.#canaryChecks.kept++;
  }

  /** Paused miners (not awaiting review) get only canaries: one each per client job dispatched. */
  async #serveResumeCanaries(): Promise<void> {
    for (const miner of this.#miners.filter((m) => m.standing.pausedAt !== null && !m.standing.needsReview)) await this.#canary(miner, 'resume');
  }

  /** Jobs it ran since it started cheating, this one included; 0 before (or for an honest miner). */
  #jobsCheating(miner: SimMiner): number {
    return miner.cheatsFrom === null ? 0 : Math.max(0, miner.jobsCompleted - miner.cheatsFrom + 1);
  }

  #passed(miner: SimMiner, kind: 'canary' | 'reexecution'): void {
    const pausedAt = miner.standing.pausedAt;
    miner.standing = afterCheck(miner.standing, { kind, passed: true, detail: '', now: this.#now, jobsCompleted: miner.jobsCompleted }, this.#settings);
    if (pausedAt === null || miner.standing.pausedAt !== null || !miner.strategy.cheat) return;
    this.#outcomes.get(miner.strategy)!.resumed++;
    if (miner.life) miner.life.pausedJobs += this.#shareOfDispatches(pausedAt);
  }

  #failed(miner: SimMiner, kind: 'canary' | 'reexecution', detail: string): void {
    miner.standing = afterCheck(miner.standing, { kind, passed: false, detail, now: this.#now, jobsCompleted: miner.jobsCompleted }, this.#settings);
    if (!miner.strategy.cheat) {
      this.#honestFlagged.push({ miner: miner.id, kind, detail: miner.standing.pauseReason! });
      // An operator's review clears an honest miner; a first pause it serves out with canaries.
      if (miner.standing.needsReview) miner.standing = resumed(miner.standing, miner.jobsCompleted);
      return;
    }
    const outcome = this.#outcomes.get(miner.strategy)!;
    const cheating = this.#jobsCheating(miner);
    if (!miner.caught) {
      miner.caught = true;
      if (cheating === 0) outcome.flaggedBeforeCheating++;
      else if (this.#counted(miner)) outcome.caught.push(cheating);
      this.#followed.delete(miner);
    }
    if (cheating > 0) miner.life!.failures.push(cheating);
    if (miner.standing.needsReview) {
      if (cheating > 0) {
        outcome.pausedForGood.push(cheating);
        miner.life!.pausedForGood = true;
      }
      this.#miners[this.#miners.indexOf(miner)] = this.#enlist(miner.strategy, true);
      outcome.miners++;
    }
  }
}
