// A value that fits a JSON schema, for the demo backend's tool-call arguments and structured
// output: deterministic for a seed, valid for the schemas clients send (OpenAI strict mode, and
// what zod-to-json-schema and pydantic make). Not a general solver: `pattern` and cross-field
// rules are not honoured.

type Schema = Record<string, unknown>;

export interface SampleOptions {
  /** Seeded: the same seed gives the same value. */
  random: () => number;
  /** Words strings are made of (e.g. the last user message's); 'demo' when empty. */
  words: readonly string[];
}

/** Deeper than this a recursive schema stops growing: optional properties and items are left out. */
const MAX_DEPTH = 8;

const FORMATS: Record<string, string> = {
  'date-time': '2025-01-01T00:00:00Z',
  date: '2025-01-01',
  time: '00:00:00Z',
  email: 'alice@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uuid: '00000000-0000-4000-8000-000000000000',
  duration: 'P1D',
};

export function sampleFromSchema(schema: unknown, options: SampleOptions): unknown {
  return new Sampler(isSchema(schema) ? schema : {}, options).sample(schema, 0);
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Sampler {
  constructor(
    private readonly root: Schema,
    private readonly options: SampleOptions,
  ) {}

  sample(given: unknown, depth: number): unknown {
    const schema = this.resolve(given);
    // A schema that can only recurse (a required, non-nullable self-reference) has no finite value.
    if (depth > MAX_DEPTH * 4) return null;
    if ('const' in schema) return schema['const'];
    if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
    const branches = (schema['anyOf'] ?? schema['oneOf']) as unknown;
    if (Array.isArray(branches) && branches.length > 0) {
      // The first non-null branch; past the depth limit a null one, so recursive types end.
      const isNull = (candidate: unknown) => this.typeOf(this.resolve(candidate)) === 'null';
      const branch = (depth >= MAX_DEPTH ? branches.find(isNull) : undefined) ?? branches.find((candidate) => !isNull(candidate)) ?? branches[0];
      return this.sample({ ...withoutKeys(schema, ['anyOf', 'oneOf']), ...this.resolve(branch) }, depth);
    }
    if (Array.isArray(schema['allOf']) && schema['allOf'].length > 0) {
      return this.sample(schema['allOf'].map((part) => this.resolve(part)).reduce(merge, withoutKeys(schema, ['allOf'])), depth);
    }
    switch (this.typeOf(schema)) {
      case 'object':
        return this.object(schema, depth);
      case 'array':
        return this.array(schema, depth);
      case 'integer':
      case 'number':
        return this.number(schema);
      case 'boolean':
        return true;
      case 'null':
        return null;
      default:
        return this.string(schema);
    }
  }

  /** Follows local `$ref`s (#/$defs/… and #/definitions/…, or # itself). */
  private resolve(given: unknown, seen = 0): Schema {
    if (!isSchema(given)) return given === false ? { not: {} } : {};
    const ref = given['$ref'];
    if (typeof ref !== 'string' || !ref.startsWith('#') || seen > 32) return given;
    let target: unknown = this.root;
    for (const key of ref.slice(1).split('/').filter((part) => part !== '')) {
      target = isSchema(target) ? target[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    }
    return this.resolve({ ...withoutKeys(given, ['$ref']), ...(isSchema(target) ? target : {}) }, seen + 1);
  }

  private typeOf(schema: Schema): string {
    const type = schema['type'];
    if (typeof type === 'string') return type;
    if (Array.isArray(type)) return (type.find((name) => name !== 'null') ?? type[0] ?? 'string') as string;
    if (isSchema(schema['properties'])) return 'object';
    if (schema['items'] !== undefined || schema['prefixItems'] !== undefined) return 'array';
    return 'string';
  }

  private object(schema: Schema, depth: number): Record<string, unknown> {
    const properties = isSchema(schema['properties']) ? schema['properties'] : {};
    const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
    const value: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(properties)) {
      if (depth < MAX_DEPTH || required.has(name)) value[name] = this.sample(property, depth + 1);
    }
    // A required name without a declared property still gets a value.
    for (const name of required) if (!(name in value)) value[name] = this.sample(schema['additionalProperties'], depth + 1);
    return value;
  }

  private array(schema: Schema, depth: number): unknown[] {
    const tuple = Array.isArray(schema['prefixItems']) ? schema['prefixItems'] : Array.isArray(schema['items']) ? schema['items'] : [];
    const rest = Array.isArray(schema['items']) ? schema['additionalItems'] : schema['items'];
    const minItems = typeof schema['minItems'] === 'number' ? schema['minItems'] : 0;
    const maxItems = typeof schema['maxItems'] === 'number' ? schema['maxItems'] : Infinity;
    const wanted = Math.min(maxItems, Math.max(minItems, tuple.length, depth < MAX_DEPTH ? 1 : 0));
    return Array.from({ length: wanted }, (_, index) => this.sample(index < tuple.length ? tuple[index] : rest, depth + 1));
  }

  private number(schema: Schema): number {
    const integer = this.typeOf(schema) === 'integer';
    const step = integer ? 1 : 0.5;
    const num = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
    // Draft 4 writes exclusiveMinimum as a flag beside minimum; later drafts as the bound itself.
    const low = num('exclusiveMinimum') !== undefined ? num('exclusiveMinimum')! + step : schema['exclusiveMinimum'] === true && num('minimum') !== undefined ? num('minimum')! + step : num('minimum');
    const high = num('exclusiveMaximum') !== undefined ? num('exclusiveMaximum')! - step : schema['exclusiveMaximum'] === true && num('maximum') !== undefined ? num('maximum')! - step : num('maximum');
    let value = low ?? 1;
    if (high !== undefined && value > high) value = low === undefined ? high : (low + high) / 2;
    if (integer) value = Math.ceil(value);
    const multipleOf = num('multipleOf');
    if (multipleOf !== undefined && multipleOf > 0) value = Math.ceil(value / multipleOf) * multipleOf;
    return value;
  }

  private string(schema: Schema): string {
    const format = typeof schema['format'] === 'string' ? FORMATS[schema['format']] : undefined;
    if (format) return format;
    const words = this.options.words.length > 0 ? this.options.words : ['demo'];
    // One to three neighbouring words of the message, from a seeded place.
    const start = Math.floor(this.options.random() * words.length);
    const count = 1 + Math.floor(this.options.random() * 3);
    let text = words.slice(start, start + count).join(' ');
    const minLength = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
    const maxLength = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Infinity;
    while ([...text].length < minLength) text += ` ${words[[...text].length % words.length]}`;
    return [...text].slice(0, maxLength).join('');
  }
}

function withoutKeys(schema: Schema, keys: string[]): Schema {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !keys.includes(key)));
}

/** allOf parts combined: their properties and required names together, other keys the later part's. */
function merge(into: Schema, part: Schema): Schema {
  const properties = { ...(isSchema(into['properties']) ? into['properties'] : {}), ...(isSchema(part['properties']) ? part['properties'] : {}) };
  const required = [...new Set([...((into['required'] as string[] | undefined) ?? []), ...((part['required'] as string[] | undefined) ?? [])])];
  return { ...into, ...part, ...(Object.keys(properties).length > 0 ? { properties, required } : {}) };
}
