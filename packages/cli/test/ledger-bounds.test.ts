// `aitbc coordinator check-ledger` on books that an unbounded coordinator once let past 2^63 µAIT
// (credits of the int64 limit, which the append-only ledger keeps forever): the audit still
// runs, sums exactly and exits 0; and amounts past the bound are refused on the command line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '@aitbc/coordinator';
import { formatAmount } from '@aitbc/protocol';
import { runAitbc } from '@aitbc/testkit/processes';

test('check-ledger sums books past 2^63 exactly instead of dying on an integer overflow', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-cli-'));
  try {
    const dbPath = join(dir, 'coordinator.db');
    const store = new SqliteStore({ path: dbPath });
    assert.equal((await store.credit('alice', 5_000_000n, 1)).ok, true);
    await store.close();
    const INT64_MAX = 2n ** 63n - 1n;
    const db = new Database(dbPath);
    db.transaction(() => {
      for (const account of ['old-1', 'old-2']) {
        db.prepare('INSERT INTO ledger (movement_id, kind, bucket, amount, at) VALUES (?, ?, ?, ?, 1), (?, ?, ?, ?, 1)').run(`legacy-${account}`, 'credit', 'external', -INT64_MAX, `legacy-${account}`, 'credit', `available:${account}`, INT64_MAX);
        db.prepare('INSERT INTO accounts (account, available, created_at) VALUES (?, ?, 1)').run(account, INT64_MAX);
      }
    })();
    db.close();

    const audit = runAitbc(['coordinator', 'check-ledger', '--db', dbPath]);
    assert.equal(audit.status, 0, audit.stdout + audit.stderr);
    const total = formatAmount(2n * INT64_MAX + 5_000_000n);
    assert.match(audit.stdout, new RegExp(`credited ${total.replace('.', '\\.')} = available ${total.replace('.', '\\.')} \\+ escrowed 0`));
    assert.match(audit.stdout, /ledger OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an amount past 10^9 AITBC on the command line is refused, naming the bound', () => {
  const send = runAitbc(['wallet', 'send', 'nobody', '--to', 'ait1x', '--amount', '1000000000.000001']);
  assert.notEqual(send.status, 0);
  assert.match(send.stderr, /'1000000000\.000001' is more than 1000000000 AITBC/);
  assert.doesNotMatch(send.stderr, /at .*\.ts:\d+/, 'no stack trace');
  const init = runAitbc(['node', 'init', '--data-dir', join(tmpdir(), `aitbc-none-${process.pid}`), '--allocate', `ait1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq=1000000001`]);
  assert.notEqual(init.status, 0);
});
