// Reads a Prometheus text exposition (format 0.0.4) as a scraper would, failing on any line out
// of format: prom-client writes the format but has no parser of its own.

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|\+Inf|-Inf))(?: -?\d+)?$/i;
const COMMENT = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Each sample by its series as written (`name{labels}`, labels in the order the exposition gives) → value. */
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = COMMENT.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') {
        if (!TYPES.has(comment[3]!)) throw new Error(`unknown metric type: ${line}`);
        typed.set(comment[2]!, comment[3]!);
      }
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const name = sample[1]!;
    const family = typed.has(name) ? name : name.replace(/_(bucket|sum|count|total|created)$/, '');
    if (!typed.has(family) && !typed.has(name)) throw new Error(`sample before its # TYPE line: ${line}`);
    const series = `${name}${sample[2] ?? ''}`;
    if (samples.has(series)) throw new Error(`series written twice: ${series}`);
    samples.set(series, sampleValue(sample[3]!));
  }
  return samples;
}

/** A sample's value: a float, or NaN / +Inf / -Inf in any case (as Prometheus reads them; prom-client writes `Nan`). */
function sampleValue(text: string): number {
  const special = text.toLowerCase();
  if (special === 'nan') return Number.NaN;
  if (special === '+inf') return Number.POSITIVE_INFINITY;
  if (special === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}
