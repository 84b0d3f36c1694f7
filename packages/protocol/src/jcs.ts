// RFC 8785 JSON Canonicalization Scheme: the bytes every party signs. Keys sorted by UTF-16 code
// units; numbers and strings serialised as ECMAScript's JSON.stringify does (which RFC 8785 adopts).

export function canonicalize(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, i) => write(item, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) throw new TypeError(`${path}: only plain objects can be canonicalized`);
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, exactly what RFC 8785 §3.2.3 asks for.
    const keys = Object.keys(record).sort();
    return `{${keys
      .map((key) => {
        if (record[key] === undefined) throw new TypeError(`${path}.${key} is undefined`);
        return `${JSON.stringify(key)}:${write(record[key], `${path}.${key}`)}`;
      })
      .join(',')}}`;
  }
  throw new TypeError(`${path}: a ${typeof value} has no JSON form`);
}
