// The PostgreSQL ledger's one-statement movement (src/store/postgres/pg-ledger.ts): every leg
// written and every balance moved, or, when any balance would go below zero or has no row to
// debit, nothing at all; an owner with several legs in one movement moves once by their sum.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@aitbc/testkit/postgres';
import * as movements from '../src/ledger/movements.ts';
import { PgDb } from '../src/store/postgres/pg-db.ts';
import { PgLedger } from '../src/store/postgres/pg-ledger.ts';
import { migratePostgres } from '../src/store/postgres/pg-migrate.ts';

const MIGRATIONS = fileURLToPath(new URL('../src/store/postgres/migrations/', import.meta.url));
const NOW = 1_764_000_000_000;

describe('PostgreSQL ledger movements', () => {
  let database: TestDatabase;
  let db: PgDb;
  const ledger = new PgLedger();
  before(async () => {
    database = await createTestDatabase();
    db = new PgDb(database.url);
    await migratePostgres(db, MIGRATIONS);
  });
  after(async () => {
    await db.close();
    await database.drop();
  });

  const balances = async (account: string) => (await db.q.get('SELECT available, escrowed FROM accounts WHERE account = ?', [account])) ?? null;
  const legs = async () => Number(await db.q.value('SELECT count(*) FROM ledger'));
  const post = (movement: movements.Movement) => db.tx((q) => ledger.post(q, movement, NOW));

  it('a credit creates the account; an escrow moves available to escrowed; a payout moves one account twice and creates the miner', async () => {
    await post(movements.credit('alice', 10_000n));
    assert.deepEqual(await balances('alice'), { available: 10_000n, escrowed: 0n });
    await post(movements.escrow({ jobId: 'job-1', account: 'alice', maxPriceMicro: 3_000n }));
    assert.deepEqual(await balances('alice'), { available: 7_000n, escrowed: 3_000n });
    // escrowed −3,000 and available +1,000 on alice: one row, moved by both.
    await post(movements.payout({ jobId: 'job-1', account: 'alice', maxPriceMicro: 3_000n }, { receiptId: 'rcpt-1', minerId: 'gpu-1', priceMicro: 2_000n }));
    assert.deepEqual(await balances('alice'), { available: 8_000n, escrowed: 0n });
    assert.equal(await db.q.value('SELECT held FROM miner_earnings WHERE miner_id = ?', ['gpu-1']), 2_000n);
    assert.equal(await legs(), 2 + 2 + 3);
    assert.deepEqual(
      (await db.q.all("SELECT bucket, amount FROM ledger WHERE kind = 'payout' ORDER BY entry_id")).map((row) => [row.bucket, row.amount]),
      [['escrowed:alice', -3_000n], ['held:gpu-1', 2_000n], ['available:alice', 1_000n]],
      'the legs in the movement\'s order',
    );
  });

  it('an overdraft is refused by the balance CHECK and writes no leg', async () => {
    const before = await legs();
    await assert.rejects(post(movements.escrow({ jobId: 'job-2', account: 'alice', maxPriceMicro: 8_001n })), /check constraint/);
    assert.deepEqual(await balances('alice'), { available: 8_000n, escrowed: 0n });
    assert.equal(await legs(), before);
  });

  it('a debit from a balance that has no row is refused and writes nothing', async () => {
    const before = await legs();
    await assert.rejects(post(movements.escrow({ jobId: 'job-3', account: 'nobody', maxPriceMicro: 1n })), /no row/);
    assert.equal(await balances('nobody'), null);
    await assert.rejects(post(movements.release({ receiptId: 'rcpt-9', jobId: 'job-9', minerId: 'gpu-unknown', priceMicro: 5n })), /no row/);
    assert.equal(await db.q.value('SELECT count(*) FROM miner_earnings WHERE miner_id = ?', ['gpu-unknown']), 0n);
    assert.equal(await legs(), before);
  });
});
