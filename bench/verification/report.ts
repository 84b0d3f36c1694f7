// What the bench prints of a simulation: per strategy the jobs until caught (measured, and
// predicted by the arithmetic), the honest miners wrongly flagged (and failing a canary), the
// extra work (confirming runs of failed canaries apart), the canary pool's withdrawals, and a
// PASS/MISS per target of issue 12 (none for the `any` demonstration: it is not the rule); then
// issue 13's economics: what each strategy's cheating gained over honest work under the cost
// model (economics.ts), with its break-even slash, price and check rate. A run that followed its
// first cheaters to the end (simulation.ts, `follow`) prints its jobs until caught on their own:
// there a p99 not reached means more than 1 % of them outlasted the cap, a MISS when the cap is
// at least the target.

import { formatAmount } from '@aitbc/protocol';
import { MAX_RUNS } from '../../packages/coordinator/src/verification/majority.ts';
import { checkRates } from '../../packages/coordinator/src/verification/sampling.ts';
import { catchChance, predictedExtraWork, predictedJobsUntilCaught } from './arithmetic.ts';
import { DEFAULT_COST_MODEL, savedPerCheat, strategyEconomics, type CostModel, type StrategyEconomics } from './economics.ts';
import type { SimResult, StrategyOutcome } from './simulation.ts';
import { survivalQuantile } from './stats.ts';

/** Issue 12's targets at the default settings, and issue 13's: cheating loses money at a check rate of at most 3 %. */
export const TARGETS = { alwaysCheaterP99: 25, tenPercentCheaterP99: 2000, pastProbationExtraWork: 0.03, honestFlagged: 0, unprofitableAtCheckRate: 0.03 };

export type Verdict = 'PASS' | 'MISS' | 'UNMEASURED';

/**
 * A p99 against its target. Not reached (undefined): with cheaters followed until caught or
 * `capJobs` jobs, more than 1 % outlasted the cap, so the p99 is past it, a MISS when the cap is
 * at least the target; in a run cut off at a number of client jobs, too many were still uncaught
 * at the end to say (UNMEASURED).
 */
export function tailVerdict(p99: number | undefined, target: number, capJobs: number | null): Verdict {
  if (p99 === undefined) return capJobs !== null && capJobs >= target ? 'MISS' : 'UNMEASURED';
  return p99 <= target ? 'PASS' : 'MISS';
}

export interface StrategyRow {
  name: string;
  miners: number;
  caught: number;
  uncaught: number;
  /** Measured (Kaplan–Meier over caught and still-uncaught cheaters); undefined when not reached. */
  median: number | undefined;
  p99: number | undefined;
  /** The most jobs a caught cheater of this strategy ran: the p99 is beyond it when not reached. */
  longestCaught: number;
  /** From the sampling arithmetic alone, and with the miner's own check runs counted as compared. */
  predicted: { median: number; p99: number; p99WithCheckRuns: number };
  /** Share of its jobs that were re-executions or tie-breaks it ran for others (always compared). */
  checkRunShare: number;
  pausedForGood: number;
  resumed: number;
  flaggedBeforeCheating: number;
  target: number;
  verdict: Verdict;
}

/** Check runs per client job of the miners in one phase: sampled (re-executions and canaries), tie-breaks, and confirmations of failed canaries. */
export interface ExtraWork {
  total: number;
  sampled: number;
  tiebreaks: number;
  confirmations: number;
  /** The sampled share the arithmetic predicts: r + k for the phase. */
  predicted: number;
}

export interface Summary {
  strategies: StrategyRow[];
  honestFlagged: number;
  /** Of those, failed canaries (a wrong reference the confirmation did not withdraw). */
  honestFailedCanary: number;
  honestVerdict: Verdict;
  /** Share of client jobs done by miners past probation. */
  pastShare: number;
  past: ExtraWork;
  probation: ExtraWork;
  /** Canaries to paused miners per client job. */
  resume: number;
  overall: number;
  extraWorkVerdict: Verdict;
  /** Confirming runs of failed canaries, all phases, and per client job. */
  confirmationRuns: number;
  confirmations: number;
  /** Tie-break runs per disagreement (judgeRuns asks for at most MAX_RUNS − 2 = 2). */
  tiebreaksPerDisagreement: number;
  economics: Economics;
}

export interface EconomicsRow extends StrategyEconomics {
  name: string;
}

export interface Economics {
  model: CostModel;
  rows: EconomicsRow[];
  /** Checks per job past probation, q = 1 − (1 − r)(1 − k): at most TARGETS.unprofitableAtCheckRate for the target. */
  checkRate: number;
  /** PASS when cheating lost money for every strategy, at a check rate within the target. */
  verdict: Verdict;
}

export function economics(result: SimResult, model: CostModel = DEFAULT_COST_MODEL): Economics {
  const rows = result.outcomes
    .filter((outcome) => outcome.strategy.cheat)
    .map((outcome) => ({ name: outcome.strategy.name, ...strategyEconomics(outcome.lives, outcome.strategy.cheat!.mode, model) }));
  const checkRate = catchChance(1, checkRates({ jobsSinceProbation: result.settings.probationJobs, trusted: false }, result.settings));
  const losing = rows.every((row) => row.total.gain < 0n);
  return { model, rows, checkRate, verdict: losing && checkRate <= TARGETS.unprofitableAtCheckRate ? 'PASS' : 'MISS' };
}

export function summarise(result: SimResult, model: CostModel = DEFAULT_COST_MODEL): Summary {
  const strategies = result.outcomes.filter((outcome) => outcome.strategy.cheat).map((outcome) => strategyRow(outcome, result));
  const { clientJobs, checkRuns } = result;
  const clients = clientJobs.probation + clientJobs.past;
  const predicted = predictedExtraWork(result.settings, clientJobs.probation / clients);
  const phase = (bucket: 'probation' | 'past'): ExtraWork => {
    const sampled = (checkRuns.reexecution[bucket] + checkRuns.canary[bucket]) / clientJobs[bucket];
    const tiebreaks = checkRuns.tiebreak[bucket] / clientJobs[bucket];
    const confirmations = checkRuns.confirmation[bucket] / clientJobs[bucket];
    return { total: sampled + tiebreaks + confirmations, sampled, tiebreaks, confirmations, predicted: predicted[bucket] };
  };
  const all = (kind: keyof SimResult['checkRuns']) => checkRuns[kind].probation + checkRuns[kind].past + checkRuns[kind].resume;
  const past = phase('past');
  return {
    strategies,
    honestFlagged: result.honestFlagged.length,
    honestFailedCanary: result.honestFlagged.filter((flag) => flag.kind === 'canary').length,
    honestVerdict: result.honestFlagged.length <= TARGETS.honestFlagged ? 'PASS' : 'MISS',
    pastShare: clientJobs.past / clients,
    past,
    probation: phase('probation'),
    resume: checkRuns.canary.resume / clients,
    overall: (all('reexecution') + all('tiebreak') + all('confirmation') + all('canary')) / clients,
    confirmationRuns: all('confirmation'),
    confirmations: all('confirmation') / clients,
    extraWorkVerdict: past.total <= TARGETS.pastProbationExtraWork ? 'PASS' : 'MISS',
    tiebreaksPerDisagreement: result.disagreements === 0 ? 0 : all('tiebreak') / result.disagreements,
    economics: economics(result, model),
  };
}

function strategyRow(outcome: StrategyOutcome, result: SimResult): StrategyRow {
  const cheat = outcome.strategy.cheat!;
  // Late starters build an honest record past probation first; the others cheat from their first job.
  const probationLeft = cheat.after !== undefined && cheat.after >= result.settings.probationJobs ? 0 : result.settings.probationJobs;
  const runs = Object.values(outcome.runs).reduce((a, b) => a + b, 0);
  const checkRunShare = runs === 0 ? 0 : (outcome.runs.reexecution + outcome.runs.tiebreak) / runs;
  const p99 = survivalQuantile(outcome.caught, outcome.uncaught, 0.99);
  const target = cheat.rate === 1 ? TARGETS.alwaysCheaterP99 : TARGETS.tenPercentCheaterP99;
  return {
    name: outcome.strategy.name,
    miners: outcome.miners,
    caught: outcome.caught.length,
    uncaught: outcome.uncaught.length,
    median: survivalQuantile(outcome.caught, outcome.uncaught, 0.5),
    p99,
    longestCaught: Math.max(0, ...outcome.caught),
    predicted: {
      median: predictedJobsUntilCaught(cheat.rate, probationLeft, result.settings, 0.5),
      p99: predictedJobsUntilCaught(cheat.rate, probationLeft, result.settings, 0.99),
      p99WithCheckRuns: predictedJobsUntilCaught(cheat.rate, probationLeft, result.settings, 0.99, checkRunShare),
    },
    checkRunShare,
    pausedForGood: outcome.pausedForGood.length,
    resumed: outcome.resumed,
    flaggedBeforeCheating: outcome.flaggedBeforeCheating,
    target,
    verdict: tailVerdict(p99, target, result.follow?.capJobs ?? null),
  };
}

const percent = (share: number) => `${(share * 100).toFixed(2)} %`;
const count = (n: number | undefined) => (n === undefined ? '—' : n.toLocaleString('en'));

export function formatSummary(result: SimResult, summary: Summary, cpuMs: number): string[] {
  const s = result.settings;
  // The `any` run shows why the rule exists: its figures are no target, so no verdicts.
  const demonstration = result.checkMiners === 'any';
  const verdict = (text: string) => (demonstration ? '' : text);
  const lines = [
    `verify  simulation${demonstration ? ' (DEMONSTRATION, not the coordinator\'s rule: why only miners past probation re-run jobs)' : ''}: ${result.jobs.toLocaleString('en')} client jobs, seed ${result.seed}, ${result.outcomes.reduce((n, o) => n + o.strategy.count, 0)} miners at a time, dispatched at random to unpaused miners; ` +
      `re-executions and tie-breaks to ${demonstration ? 'any unpaused miner' : 'unpaused miners past probation (mayVerify)'} of another owner than every run so far; a run fails only when 3 other runs agree against it (judgeRuns); ` +
      `defaults: r ${s.reexecutionRate * 100} %, k ${s.canaryRate * 100} %, probation ${s.probationJobs} jobs at r ${s.probationReexecutionRate * 100} %, k ${s.probationCanaryRate * 100} %, ${s.canariesToResume} canaries to resume; ${(cpuMs / 1000).toFixed(1)} s CPU`,
    '        jobs until caught: a cheater\'s jobs (client jobs and check runs) from the first of its cheating phase up to and including the job whose check first failed it; (pred) = c × (1 − (1 − r)(1 − k)) per job, geometric',
    `        ${'strategy'.padEnd(20)} ${'miners'.padStart(6)} ${'caught'.padStart(6)} ${'uncaught'.padStart(8)} ${'median (pred)'.padStart(14)} ${'p99 (pred; +own check runs)'.padStart(30)} ${'resumed'.padStart(7)}${verdict('  target')}`,
  ];
  for (const row of summary.strategies) {
    lines.push(
      `        ${row.name.padEnd(20)} ${count(row.miners).padStart(6)} ${count(row.caught).padStart(6)} ${count(row.uncaught).padStart(8)} ${`${count(row.median)} (${count(row.predicted.median)})`.padStart(14)} ` +
        `${`${row.p99 === undefined ? `> ${count(row.longestCaught)}` : count(row.p99)} (${count(row.predicted.p99)}; ${count(row.predicted.p99WithCheckRuns)})`.padStart(30)} ${count(row.resumed).padStart(7)}` +
        verdict(`  p99 ≤ ${count(row.target)}: ${row.verdict}${row.verdict === 'UNMEASURED' ? ' (too many still uncaught when the run ended)' : ''}`) +
        (row.flaggedBeforeCheating > 0 ? `; ${row.flaggedBeforeCheating} flagged before cheating` : ''),
    );
  }
  const phase = (work: ExtraWork) => `${percent(work.total)} = sampled ${percent(work.sampled)} (pred r + k = ${percent(work.predicted)}) + tie-breaks ${percent(work.tiebreaks)} + canary confirmations ${percent(work.confirmations)}`;
  const canaries = result.canaryChecks;
  lines.push(
    `        honest miners wrongly flagged: ${summary.honestFlagged}${verdict(` (target ${TARGETS.honestFlagged}): ${summary.honestVerdict}`)}` +
      (result.honestFlagged.length > 0 ? ` — e.g. ${result.honestFlagged[0]!.detail}` : ''),
    `        honest miners failing a canary: ${summary.honestFailedCanary} (${count(canaries.honestOnWrongReference)} canaries were answered by honest miners against a wrong reference)`,
    `        extra work (check runs ÷ client jobs), past probation (${percent(summary.pastShare)} of client jobs): ${phase(summary.past)}${verdict(`; target ≤ ${percent(TARGETS.pastProbationExtraWork)}: ${summary.extraWorkVerdict}`)}`,
    `        on probation: ${phase(summary.probation)}; overall ${percent(summary.overall)}, of which ${percent(summary.resume)} canaries to paused miners`,
    `        tie-breaks: ${count(result.disagreements)} re-executions disagreed, ${summary.tiebreaksPerDisagreement.toFixed(2)} tie-break runs each (the rule asks for at most ${MAX_RUNS - 2}: fewer when 3 runs all differ); ${count(result.inconclusive)} checks inconclusive (counted for nobody)`,
    `        canary confirmations: ${count(canaries.disagreed)} canary answers disagreed with their evidence, ${count(summary.confirmationRuns)} confirming runs (${percent(summary.confirmations)} of client jobs); ` +
      `${count(canaries.failed)} canary miners failed 3 against 1, ${count(canaries.withdrawn)} pool entries withdrawn (the confirmation sided with the miner), ${count(canaries.kept)} inconclusive with the entry kept (a third answer), ${count(canaries.noConfirmer)} undecided for want of an eligible confirming miner`,
    `        canary pool ${count(result.pool.size)} agreed outputs at the end; ${result.pool.contaminated} wrong ones entered, ${count(result.pool.withdrawn)} withdrawn (${result.pool.withdrawnWrong} of them wrong); ${count(result.canariesUnavailable)} canaries found no unseen entry; ` +
      `${count(result.noEligibleMiner)} check runs found no eligible miner (the coordinator's re-run would wait in the queue until one is, or its deadline; here the check ends undecided)`,
  );
  if (!demonstration) lines.push(...formatEconomics(summary.economics));
  return lines;
}

/**
 * A run with `follow`: per strategy its followed cheaters' jobs until caught, measured beside the
 * arithmetic, with the targets; and the run's honest flags and extra work, over all its jobs.
 */
export function formatFollowed(result: SimResult, summary: Summary, cpuMs: number): string[] {
  const follow = result.follow;
  if (!follow) throw new TypeError('formatFollowed: the run followed no cheaters (no follow option)');
  const lines = [
    `verify  cheaters followed to the end: the same world, policy and seed ${result.seed}, run on to ${result.jobs.toLocaleString('en')} client jobs until the first ${count(follow.lives)} cheaters of each kind had each been caught ` +
      `or had run ${count(follow.capJobs)} jobs of cheating, so no life is cut short by the end of the run and each p99 is observed (a p99 past the cap is a MISS); ${(cpuMs / 1000).toFixed(1)} s CPU`,
    `        honest miners wrongly flagged over the whole run: ${summary.honestFlagged} (target ${TARGETS.honestFlagged}): ${summary.honestVerdict}; ` +
      `extra work past probation (${percent(summary.pastShare)} of client jobs): ${percent(summary.past.total)} (target ≤ ${percent(TARGETS.pastProbationExtraWork)}): ${summary.extraWorkVerdict}`,
    `        ${'strategy'.padEnd(20)} ${'followed'.padStart(8)} ${'caught'.padStart(6)} ${'at cap'.padStart(6)} ${'median (pred)'.padStart(14)} ${'p99 (pred; +own check runs)'.padStart(30)}  target`,
  ];
  for (const row of summary.strategies) {
    lines.push(
      `        ${row.name.padEnd(20)} ${count(follow.lives).padStart(8)} ${count(row.caught).padStart(6)} ${count(row.uncaught).padStart(6)} ${`${count(row.median)} (${count(row.predicted.median)})`.padStart(14)} ` +
        `${`${row.p99 === undefined ? `> ${count(follow.capJobs)}` : count(row.p99)} (${count(row.predicted.p99)}; ${count(row.predicted.p99WithCheckRuns)})`.padStart(30)}  p99 ≤ ${count(row.target)}: ${row.verdict}` +
        (row.flaggedBeforeCheating > 0 ? `; ${row.flaggedBeforeCheating} flagged before cheating` : ''),
    );
  }
  return lines;
}

/** AITBC to two decimals (µAIT cut toward zero), for the table. */
const ait = (micro: bigint) => formatAmount((micro / 10_000n) * 10_000n);

function formatEconomics({ model, rows, checkRate, verdict }: Economics): string[] {
  const window = Math.floor(model.acceptanceWindowSeconds / model.jobSeconds);
  const skipped = Object.entries(model.skippedPercent).map(([mode, share]) => `${mode} ${share} %`).join(', ');
  const lines = [
    `        economics (cost model: bench/verification/economics.ts): every run pays ${ait(model.priceMicro)} AITBC and costs an honest miner ${model.computePercent} % of it in compute; a cheated run skips ${skipped} of that compute; ` +
      `bond ${ait(model.bondMicro)} AITBC, topped up after each slash; each failed check slashes min(slash ${ait(model.slashMicro)}, bond); ` +
      `acceptance window ${model.acceptanceWindowSeconds} s = ${window} jobs at ${model.jobSeconds} s a job: a catch refunds the cheated client jobs inside it (its clients dispute once the pause is public); ` +
      `a pause costs the ${100n - model.computePercent} % margin of the jobs missed: measured until canaries resume it, ${model.comebackSeconds} s when paused for good (a fresh key, once the old bond has unbonded); ` +
      `checks per job past probation q = 1 − (1 − r)(1 − k) = ${percent(checkRate)}`,
    '        gain of cheating over honest work on the same jobs, AITBC (negative: it loses); a life runs from its first job of cheating until paused for good or the end of the run; ' +
      '"slash only" leaves refunds and pauses out; break-even, slash only: the smallest min(slash, bond) at which it loses (with refunds and pauses counted), the highest price per job at which it still loses, and the check rate q at which one slash outweighs what a cheated job saves',
    `        ${'strategy'.padEnd(20)} ${'lives (ended)'.padStart(14)} ${'saved'.padStart(9)} ${'slashed'.padStart(9)} ${'refunded'.padStart(9)} ${'paused'.padStart(8)} ${'median/life'.padStart(11)} ${'mean/life'.padStart(9)} ${'per job'.padStart(7)} ${'slash only/job'.padStart(14)} ${'break-even slash'.padStart(16)} ${'price'.padStart(6)} ${'q'.padStart(6)}  target`,
  ];
  const slashText = (micro: bigint | null) => (micro === null ? 'never caught' : ait(micro));
  for (const row of rows) {
    const { total } = row;
    lines.push(
      `        ${row.name.padEnd(20)} ${`${count(row.lives)} (${count(row.pausedForGood)})`.padStart(14)} ${ait(total.saved).padStart(9)} ${ait(-total.slashed).padStart(9)} ${ait(-total.refunded).padStart(9)} ${ait(-total.pauseLost).padStart(8)} ` +
        `${ait(row.median).padStart(11)} ${ait(row.mean).padStart(9)} ${ait(row.perJob).padStart(7)} ${ait(row.slashOnly.perJob).padStart(14)} ${`${slashText(row.slashOnly.breakEvenSlash)} (${slashText(row.breakEvenSlash)})`.padStart(16)} ` +
        `${(row.slashOnly.breakEvenPrice === null ? 'any' : ait(row.slashOnly.breakEvenPrice)).padStart(6)} ${percent(row.breakEvenCheckRate).padStart(6)}  gain < 0: ${row.total.gain < 0n ? 'PASS' : 'MISS'}`,
    );
  }
  lines.push(`        cheating loses money for every strategy at q = ${percent(checkRate)} (target: at q ≤ ${percent(TARGETS.unprofitableAtCheckRate)}): ${verdict}`);
  return lines;
}
