// Quantiles of "jobs until caught" when some cheaters are still uncaught at the end of the run
// (right-censored): the Kaplan–Meier estimate of the share still uncaught after n jobs.

/**
 * The smallest n at which the estimated share of cheaters still uncaught is ≤ 1 − q, or
 * undefined when the samples never get that low (too few, or too many uncaught at the end).
 */
export function survivalQuantile(caught: readonly number[], uncaught: readonly number[], q: number): number | undefined {
  const events = [...caught].sort((a, b) => a - b);
  const censored = [...uncaught].sort((a, b) => a - b);
  let atRisk = events.length + censored.length;
  let survival = 1;
  let e = 0;
  let c = 0;
  while (e < events.length) {
    const time = events[e]!;
    // Uncaught with fewer jobs than `time` left the sample before it (still at risk at `time` itself).
    while (c < censored.length && censored[c]! < time) {
      atRisk--;
      c++;
    }
    let deaths = 0;
    while (e < events.length && events[e] === time) {
      deaths++;
      e++;
    }
    survival *= 1 - deaths / atRisk;
    atRisk -= deaths;
    if (survival <= 1 - q + 1e-12) return time;
  }
  return undefined;
}
