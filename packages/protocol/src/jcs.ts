// RFC 8785 JSON Canonicalization Scheme: the bytes every party signs. Keys sorted by UTF-16 code
// units; numbers and strings serialised as ECMAScript's JSON.stringify does (which RFC 8785 adopts).

// I-JSON (RFC 7493), which RFC 8785 requires, forbids unpaired surrogates: other languages cannot
// reproduce their bytes.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `text` holds a UTF-16 surrogate without its pair (no UTF-8 form, no JCS form). */
export function hasUnpairedSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * Thrown by `canonicalize` for a string (or key) with an unpaired surrogate. A TypeError, so
 * callers that catch TypeErrors keep working; `path` ($.a.b[2]) lets a server name the field.
 */
export class UnpairedSurrogateError extends TypeError {
  constructor(readonly path: string) {
    super(`${path}: string has an unpaired UTF-16 surrogate, which JSON canonicalization (RFC 8785, I-JSON) refuses`);
    this.name = 'UnpairedSurrogateError';
  }
}

function quote(text: string, path: string): string {
  if (LONE_SURROGATE.test(text)) throw new UnpairedSurrogateError(path);
  return JSON.stringify(text);
}

export function canonicalize(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return quote(value, path);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  // Index loop, not map: map skips holes of a sparse array and would emit "[1,,3]".
  if (Array.isArray(value)) return `[${Array.from({ length: value.length }, (_, i) => write(value[i], `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) throw new TypeError(`${path}: only plain objects can be canonicalized`);
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, exactly what RFC 8785 §3.2.3 asks for.
    const keys = Object.keys(record).sort();
    return `{${keys
      .map((key) => {
        if (record[key] === undefined) throw new TypeError(`${path}.${key} is undefined`);
        return `${quote(key, path)}:${write(record[key], `${path}.${key}`)}`;
      })
      .join(',')}}`;
  }
  throw new TypeError(`${path}: a ${typeof value} has no JSON form`);
}
