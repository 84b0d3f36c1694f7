// The PostgreSQL engine's connection pool and transactions (node-postgres). Rows come back as the
// SQLite engine's do (BIGINT and integral sums as bigint, text as string), so both engines share
// their row readers. SQL is written as in the SQLite engine, with `?` or `@name` placeholders,
// turned into `$n` once per text and sent as a named prepared statement (parsed once per
// connection).
//
// Isolation is READ COMMITTED: a transaction that reads and then writes locks what it reads
// (`FOR UPDATE`, or a guarded `UPDATE … RETURNING`), claims skip locked rows, and balances move by
// `x = x + amount` under CHECK constraints. A deadlock or serialisation failure rolls the whole
// transaction back and runs it again: each business step is one transaction, so a retry repeats
// it whole or not at all.

import pg from 'pg';

export type Row = Record<string, unknown>;
export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

/** What every store method runs its SQL through: the pool outside a transaction, the transaction's client inside. */
export interface Queryable {
  all(text: string, params?: Params): Promise<Row[]>;
  get(text: string, params?: Params): Promise<Row | undefined>;
  /** The first column of the first row (undefined when no row). */
  value(text: string, params?: Params): Promise<unknown>;
  /** Rows changed. */
  run(text: string, params?: Params): Promise<number>;
  /** Several statements without parameters, sent as one simple query (migrations). */
  script(text: string): Promise<void>;
}

const INT8 = 20;
const NUMERIC = 1700;
// Integral sums (sum() of BIGINT is NUMERIC) read as bigint, like every other integer.
const parseNumeric = (text: string) => (/^-?\d+$/.test(text) ? BigInt(text) : Number(text));
const TYPES = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === INT8) return (text: string) => BigInt(text);
    if (oid === NUMERIC) return parseNumeric;
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

interface Compiled {
  name: string;
  text: string;
  /** Parameter names in `$n` order; null for positional `?` placeholders. */
  names: string[] | null;
}

const compiled = new Map<string, Compiled>();

/** `?` → `$1, $2…`, or `@name` → one `$n` per distinct name; quoted strings and identifiers are left alone. */
export function compile(source: string): Compiled {
  let found = compiled.get(source);
  if (found) return found;
  const names: string[] = [];
  let positional = 0;
  const text = source.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?|@([A-Za-z_]\w*)/g, (match, name: string | undefined) => {
    if (match === '?') return `$${++positional}`;
    if (name === undefined) return match;
    const at = names.indexOf(name);
    if (at >= 0) return `$${at + 1}`;
    names.push(name);
    return `$${names.length}`;
  });
  if (positional > 0 && names.length > 0) throw new Error('SQL mixes ? and @name placeholders');
  found = { name: `s${compiled.size}`, text, names: names.length > 0 ? names : null };
  compiled.set(source, found);
  return found;
}

function values(statement: Compiled, params: Params | undefined): unknown[] {
  if (params === undefined) return [];
  if (statement.names === null) return params as unknown[];
  const named = params as Record<string, unknown>;
  return statement.names.map((name) => {
    if (!(name in named)) throw new Error(`SQL parameter @${name} has no value`);
    const value = named[name];
    return value === undefined ? null : value;
  });
}

function queries(client: pg.Pool | pg.PoolClient): Queryable {
  const query = async (text: string, params?: Params) => {
    const statement = compile(text);
    return client.query({ name: statement.name, text: statement.text, values: values(statement, params) });
  };
  return {
    all: async (text, params) => (await query(text, params)).rows,
    get: async (text, params) => (await query(text, params)).rows[0],
    value: async (text, params) => {
      const result = await query(text, params);
      const row = result.rows[0];
      return row === undefined ? undefined : row[result.fields[0]!.name];
    },
    run: async (text, params) => (await query(text, params)).rowCount ?? 0,
    script: async (text) => {
      await client.query(text);
    },
  };
}

/** SQLSTATEs after which running the transaction again is safe and may succeed. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 8;

export class PgDb {
  readonly pool: pg.Pool;
  /** Outside a transaction: each statement commits on its own. */
  readonly q: Queryable;

  constructor(connectionString: string, options: { max?: number; applicationName?: string } = {}) {
    this.pool = new pg.Pool({ connectionString, types: TYPES, max: options.max ?? 10, application_name: options.applicationName ?? 'aitbc-coordinator' });
    // An idle client's error (the server restarted) is reported here; the pool drops that client.
    this.pool.on('error', () => undefined);
    this.q = queries(this.pool);
  }

  /** Runs `fn` in one transaction (READ COMMITTED), again from the start after a deadlock or serialisation failure. */
  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN', fn);
  }

  /** A consistent read of several statements (one snapshot), for reports such as the ledger snapshot. */
  async snapshot<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  private async transaction<T>(begin: string, fn: (q: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query(begin);
        const result = await fn(queries(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        const code = (error as { code?: string }).code;
        if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
        // A short random pause so that the transactions that collided do not collide again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      } finally {
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
