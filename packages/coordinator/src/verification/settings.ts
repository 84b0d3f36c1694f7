// What an operator sets for the verification ladder (`aitbc coordinator` flags and AITBC_* env
// vars, listed in the README). Rates are shares in [0, 1]; the defaults meet the targets the
// simulation (bench/verification-sim.ts) measures: see the README's "Verified work" section.

export interface VerificationSettings {
  /** Share of a past-probation miner's completed client jobs re-run by an independent miner. */
  reexecutionRate: number;
  /** Share of a past-probation miner's completed jobs followed by a canary for it. */
  canaryRate: number;
  /** A miner is on probation for its first this many completed jobs (again after a pause ends). */
  probationJobs: number;
  /** The re-execution rate while on probation. */
  probationReexecutionRate: number;
  /** The canary rate while on probation. */
  probationCanaryRate: number;
  /** Fresh canaries in a row a paused miner must pass to get work again (after its first failed check). */
  canariesToResume: number;
  /** The operator's account that pays canaries and sampled re-executions (fund it like any account). */
  account: string;
  /** Miners whose outputs are references without being checked (the operator's own). */
  trustedMiners: ReadonlySet<string>;
}

export const DEFAULT_VERIFICATION: VerificationSettings = {
  reexecutionRate: 0.02,
  canaryRate: 0.005,
  probationJobs: 50,
  probationReexecutionRate: 0.2,
  probationCanaryRate: 0.1,
  canariesToResume: 3,
  account: 'verification',
  trustedMiners: new Set(),
};

/** Rates outside [0, 1] are an operator's typo: refused at startup, naming the setting. */
export function checkVerificationSettings(settings: VerificationSettings): void {
  const rates = ['reexecutionRate', 'canaryRate', 'probationReexecutionRate', 'probationCanaryRate'] as const;
  for (const name of rates) {
    const rate = settings[name];
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`verification ${name} must be a share between 0 and 1, got ${rate}`);
  }
  for (const name of ['probationJobs', 'canariesToResume'] as const) {
    if (!Number.isInteger(settings[name]) || settings[name] < 0) throw new RangeError(`verification ${name} must be a whole number ≥ 0, got ${settings[name]}`);
  }
}
