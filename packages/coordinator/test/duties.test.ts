// Single-owner duties with two coordinator processes' stores on one database: only the holder of
// the sweeper duty expires jobs; when it stops renewing (a crash), the other takes over once the
// lease runs out, and a clean stop hands the duty over at once.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { resolveConfig, SqliteStore } from '@aitbc/coordinator';
import { DutyLease } from '../src/services/duty-lease.ts';
import { Sweeper } from '../src/services/sweeper.ts';
import { LocalWorkSignal } from '../src/services/work-signal.ts';
import { funded, M, newJob, NOW, submitted } from './conformance/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'aitbc-duties-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LEASE_MS = 10_000;
const quiet = { info() {}, warn() {}, error() {} } as unknown as FastifyBaseLogger;

test('two processes on one database: the sweeper duty runs in one of them, and moves on when its holder stops', async () => {
  const path = join(dir, 'coordinator.db');
  let now = NOW;
  const config = resolveConfig({ now: () => now });
  const process = (store: SqliteStore, id: string) => new Sweeper(store, new LocalWorkSignal(), config, quiet, new DutyLease(store, 'sweeper', id, LEASE_MS, () => now));
  const storeA = new SqliteStore({ path });
  const storeB = new SqliteStore({ path });
  after(async () => {
    await storeA.close();
    await storeB.close();
  });
  const a = process(storeA, 'proc-a');
  const b = process(storeB, 'proc-b');
  await funded(storeA, 'alice', 10n * M);
  const due = async (jobId: string) => submitted(storeA, newJob(jobId, { createdAt: now, deadline: now + 1 }));

  await due('job-1');
  now += 5;
  assert.equal((await a.sweepOnce()).expired, 1, 'a takes the duty and sweeps');
  await due('job-2');
  now += 5;
  assert.equal((await b.sweepOnce()).expired, 0, 'b does not sweep while a holds the duty');
  assert.equal((await storeA.getJob('job-2'))!.status, 'queued');

  // a dies (stops renewing): b takes over once a's lease has run out, not before.
  now += LEASE_MS - 20;
  assert.equal((await b.sweepOnce()).expired, 0);
  now += 20;
  assert.equal((await b.sweepOnce()).expired, 1, 'b took the duty over');
  assert.equal((await storeB.getJob('job-2'))!.status, 'expired');

  // A clean stop releases it: a sweeps on its next tick without waiting out b's lease.
  await due('job-3');
  now += 5;
  await b.stop();
  assert.equal((await a.sweepOnce()).expired, 1);
  assert.ok((await storeA.auditLedger()).ok);
});
