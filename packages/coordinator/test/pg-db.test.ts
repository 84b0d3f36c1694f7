// The PostgreSQL engine's plumbing (src/store/postgres/pg-db.ts, pg-migrate.ts): placeholders,
// rows read as the SQLite engine reads them, whole-transaction retries, and migrations applied
// once when several coordinators start together.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@aitbc/testkit/postgres';
import { compile, PgDb } from '../src/store/postgres/pg-db.ts';
import { migratePostgres } from '../src/store/postgres/pg-migrate.ts';

const MIGRATIONS = fileURLToPath(new URL('../src/store/postgres/migrations/', import.meta.url));

describe('PostgreSQL plumbing', () => {
  let database: TestDatabase;
  let db: PgDb;
  before(async () => {
    database = await createTestDatabase();
    db = new PgDb(database.url);
  });
  after(async () => {
    await db.close();
    await database.drop();
  });

  it('turns ? and @name placeholders into $n, leaving quoted text alone', () => {
    assert.equal(compile("SELECT ? WHERE a = ? AND b = 'x?@y'").text, "SELECT $1 WHERE a = $2 AND b = 'x?@y'");
    const named = compile('SELECT @a, @b, @a');
    assert.equal(named.text, 'SELECT $1, $2, $1');
    assert.deepEqual(named.names, ['a', 'b']);
    assert.throws(() => compile('SELECT ?, @a'), /mixes/);
  });

  it('reads BIGINT and integral sums as bigint, past 2^53 exactly', async () => {
    const big = 2n ** 62n + 1n;
    const row = await db.q.get('SELECT ?::bigint AS v, sum(x) AS s, count(*) AS n FROM (VALUES (?::bigint), (?::bigint)) t(x)', [big, big, big]);
    assert.equal(row!.v, big);
    assert.equal(row!.s, 2n * big);
    assert.equal(row!.n, 2n);
  });

  it('applies the migrations once when several coordinators start at the same moment', async () => {
    const others = [new PgDb(database.url), new PgDb(database.url), new PgDb(database.url)];
    try {
      const applied = await Promise.all(others.map((other) => migratePostgres(other, MIGRATIONS)));
      assert.equal(applied.filter((count) => count > 0).length, 1, `one process migrates: ${applied}`);
      assert.equal(await migratePostgres(db, MIGRATIONS), 0);
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  });

  it('keeps the ledger append-only', async () => {
    await db.q.run("INSERT INTO ledger (movement_id, kind, bucket, amount, at) VALUES ('m', 'credit', 'external', 1, 0)");
    await assert.rejects(db.q.run('UPDATE ledger SET amount = 2'), /append-only/);
    await assert.rejects(db.q.run('DELETE FROM ledger'), /append-only/);
  });

  it('runs a transaction again from the start after a deadlock, and rolls back one that fails', async () => {
    await db.q.run('CREATE TABLE pair (id int PRIMARY KEY, n bigint NOT NULL)');
    await db.q.run('INSERT INTO pair VALUES (1, 0), (2, 0)');
    // Two transactions lock the rows in opposite orders: one is chosen as the deadlock victim and must be retried whole.
    let attempts = 0;
    const both = (first: number, second: number) =>
      db.tx(async (q) => {
        attempts++;
        await q.run('UPDATE pair SET n = n + 1 WHERE id = ?', [first]);
        await q.value('SELECT pg_sleep(0.2)');
        await q.run('UPDATE pair SET n = n + 1 WHERE id = ?', [second]);
      });
    await Promise.all([both(1, 2), both(2, 1)]);
    assert.ok(attempts >= 3, `a deadlocked transaction ran again (${attempts} attempts)`);
    const rows = await db.q.all('SELECT n FROM pair ORDER BY id');
    assert.deepEqual(rows.map((row) => row.n), [2n, 2n], 'each transaction counted once');
    await assert.rejects(
      db.tx(async (q) => {
        await q.run('UPDATE pair SET n = n + 10');
        throw new Error('business step refused');
      }),
      /refused/,
    );
    assert.deepEqual((await db.q.all('SELECT n FROM pair ORDER BY id')).map((row) => row.n), [2n, 2n], 'nothing half-written');
  });
});
