// The PostgreSQL bus on a real server (a throwaway database): a message larger than one NOTIFY
// arrives whole and in order with the short ones around it, and after the listening connection
// is killed the bus listens again by itself and says so.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { until } from '@aitbc/testkit';
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from '@aitbc/testkit/postgres';
import { PgBus } from '../src/bus/pg-bus.ts';

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined } as never;
let database: TestDatabase;

/** A query on the server's maintenance database (to kill the bus's connection from outside). */
async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

before(async () => {
  database = await createTestDatabase();
});
after(() => database.drop());

test('a 100 KB message crosses in parts, in order between short ones, to another process only on its topic', async () => {
  const sender = await PgBus.open(database.url, 'ns', quiet);
  const receiver = await PgBus.open(database.url, 'ns', quiet);
  try {
    const received: string[] = [];
    const other: string[] = [];
    await receiver.subscribe('stream', (message) => received.push(message));
    await receiver.subscribe('work', (message) => other.push(message));
    const big = JSON.stringify({ text: 'piece 😀 '.repeat(10_000) });
    await Promise.all([sender.publish('stream', 'before'), sender.publish('stream', big), sender.publish('stream', 'after')]);
    await until(() => received.length === 3, 'three messages');
    assert.deepEqual(received, ['before', big, 'after']);
    assert.deepEqual(other, []);
  } finally {
    await sender.close();
    await receiver.close();
  }
});

test('after its listening connection is killed, the bus listens again and tells its users', async () => {
  const bus = await PgBus.open(database.url, 'ns', quiet);
  try {
    const received: string[] = [];
    let reconnected = 0;
    bus.onReconnect(() => reconnected++);
    await bus.subscribe('work', (message) => received.push(message));
    const killed = await admin((client) => client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`, [database.name]));
    assert.equal(killed.rowCount, 1, 'the one listening connection');
    await until(() => reconnected === 1, 'the bus to listen again');
    await bus.publish('work', 'after the drop');
    await until(() => received.includes('after the drop'), 'a message published after the reconnection');
  } finally {
    await bus.close();
  }
});
