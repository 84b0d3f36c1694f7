// Group commit in the SQLite engine: the write steps of one event-loop turn share a COMMIT, and
// each step still behaves as its own transaction to whoever waits on it.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GroupCommit } from '../src/store/sqlite/group-commit.ts';

const dirs: string[] = [];
const opened: Database.Database[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function database(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-group-'));
  dirs.push(dir);
  const path = join(dir, 'g.db');
  const db = connect(path);
  db.exec(`CREATE TABLE parents (id INTEGER PRIMARY KEY);
           CREATE TABLE rows (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED)`);
  return path;
}

function connect(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  opened.push(db);
  return db;
}

const count = (db: Database.Database) => Number(db.prepare('SELECT count(*) FROM rows').pluck().get());

test('the steps of one turn are answered only once committed, together', async () => {
  const path = database();
  const db = connect(path);
  const group = new GroupCommit(db);
  const reader = connect(path);
  const steps = [1, 2, 3].map((id) => group.run(() => db.prepare('INSERT INTO rows (id) VALUES (?)').run(id).changes));
  assert.equal(count(reader), 0, 'nothing is committed while the turn lasts');
  assert.deepEqual(await Promise.all(steps), [1, 1, 1]);
  assert.equal(count(reader), 3, 'each answer came after the commit');
});

test('a step that throws undoes only itself; the others of its group commit', async () => {
  const path = database();
  const db = connect(path);
  const group = new GroupCommit(db);
  const first = group.run(() => db.prepare('INSERT INTO rows (id) VALUES (1)').run());
  const failing = group.run(() => {
    db.prepare('INSERT INTO rows (id) VALUES (2)').run();
    throw new Error('refused half-way');
  });
  const third = group.run(() => db.prepare('INSERT INTO rows (id) VALUES (3)').run());
  await assert.rejects(failing, /refused half-way/);
  await Promise.all([first, third]);
  assert.deepEqual(db.prepare('SELECT id FROM rows ORDER BY id').pluck().all(), [1, 3]);
});

test('when the COMMIT fails, every step of the group fails and nothing of it stays', async () => {
  const path = database();
  const db = connect(path);
  const group = new GroupCommit(db);
  const fine = group.run(() => db.prepare('INSERT INTO rows (id) VALUES (1)').run());
  // A deferred foreign key is checked at COMMIT: this row makes the whole group's COMMIT fail.
  const orphan = group.run(() => db.prepare('INSERT INTO rows (id, parent) VALUES (2, 99)').run());
  await assert.rejects(fine, /FOREIGN KEY/);
  await assert.rejects(orphan, /FOREIGN KEY/);
  assert.equal(count(connect(path)), 0);
  // The next turn starts a fresh group.
  await group.run(() => db.prepare('INSERT INTO rows (id) VALUES (3)').run());
  assert.equal(count(connect(path)), 1);
});

test('a second connection to the same file in this process commits the open group first instead of waiting on its lock', async () => {
  const path = database();
  const a = connect(path);
  const b = connect(path);
  b.pragma('busy_timeout = 0'); // waiting would mean failing here
  const groupA = new GroupCommit(a);
  const groupB = new GroupCommit(b);
  const fromA = groupA.run(() => a.prepare('INSERT INTO rows (id) VALUES (1)').run());
  const fromB = groupB.run(() => b.prepare('INSERT INTO rows (id) VALUES (2)').run());
  await Promise.all([fromA, fromB]);
  assert.equal(count(a), 2);
});
