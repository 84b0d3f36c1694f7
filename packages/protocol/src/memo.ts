// A pure function's results kept by their string argument, for derivations a node repeats for the
// same few inputs (a sender's address from its key, an address's checksum, an amount, a state-tree
// key). Bounded: when full, all are dropped and the working set fills it again; an input longer
// than `maxInputLength` is derived and not kept (a flood of long strings would hold their memory).

export function memoize<T>(limit: number, derive: (input: string) => T, maxInputLength = 128): (input: string) => T {
  const results = new Map<string, T>();
  return (input) => {
    if (input.length > maxInputLength) return derive(input);
    let result = results.get(input);
    if (result === undefined && !results.has(input)) {
      if (results.size >= limit) results.clear();
      results.set(input, (result = derive(input)));
    }
    return result as T;
  };
}
