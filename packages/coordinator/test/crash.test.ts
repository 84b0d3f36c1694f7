// SIGKILL in the middle of a burst of submits and completions, then a restart on the same
// database: no job lost or duplicated, no receipt paid twice, and the ledger still balances.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAitbc, startAitbc } from '@aitbc/testkit/processes';
import { freePort, httpClient, type HttpAnswer } from '@aitbc/testkit';
import { submitBody, TestMiner } from '@aitbc/testkit/coordinator';

const ADMIN = 'crash-admin';
const JOBS = 300;
const MINERS = 6;

const startCoordinator = (db: string, port: number) =>
  startAitbc(['coordinator', '--db', db, '--port', String(port), '--admin-key', ADMIN, '--models', 'llama3.2', '--lease-seconds', '2', '--acceptance-window', '0', '--log-level', 'silent'], /listening on/).then(
    (started) => started.child,
  );

/** A process killed by a signal has a signalCode and no exitCode. */
const dead = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Retries a request until the coordinator answers (it may be dead or restarting). */
async function persist(send: () => Promise<HttpAnswer>): Promise<HttpAnswer> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (attempt > 300) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

test('SIGKILL mid-burst: nothing lost, nothing duplicated, nothing paid twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-crash-'));
  const db = join(dir, 'coordinator.db');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const request = httpClient(url);
  let child = await startCoordinator(db, port);
  let done = false;
  try {
    const admin = (path: string, body: unknown) => request('POST', path, { key: ADMIN, body });
    const client = (await admin('/v1/admin/keys', { scopes: ['client'], account: 'alice' })).body.key;
    await admin('/v1/admin/accounts/alice/credit', { amount: '1000' });
    const miners: TestMiner[] = [];
    for (let i = 0; i < MINERS; i++) {
      const miner = new TestMiner({ request }, (await admin('/v1/admin/keys', { scopes: ['miner'] })).body.key, `crash-miner-${i}`, { 'llama3.2': '0.002' }, 2);
      await miner.register();
      miners.push(miner);
    }

    const acknowledgedJobs = new Map<string, string>(); // idempotency key → job id from a 201
    const acknowledgedCompletions = new Set<string>();
    let killed = false;

    // Miners work through everything, riding out the crash: a completion whose answer was lost
    // is sent again; any answer but success means someone else will (re)do the job.
    const work = miners.map(async (miner) => {
      while (!done) {
        let poll: HttpAnswer;
        try {
          poll = await miner.poll(1);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        if (poll.status !== 200) continue;
        const body = miner.completion(poll.body, `output of ${poll.body.job_id}`, undefined, Date.now());
        const answer = await persist(() => miner.complete(poll.body.job_id, body));
        if (answer.status === 200) acknowledgedCompletions.add(poll.body.job_id);
      }
    });

    const submitAll = async (keys: string[]) =>
      Promise.all(
        keys.map(async (key) => {
          try {
            const answer = await request('POST', '/v1/jobs', { key: client, body: submitBody({ max_price: '1', prompt: key }), headers: { 'idempotency-key': key } });
            if (answer.status === 201) acknowledgedJobs.set(key, answer.body.job_id);
          } catch {
            // The coordinator died under this request: the retry after restart settles it.
          }
        }),
      );

    const keys = Array.from({ length: JOBS }, (_, i) => `submit-${i}`);
    for (let i = 0; i < JOBS; i += 30) {
      await submitAll(keys.slice(i, i + 30));
      if (i === JOBS / 2) {
        // Mid-burst, once miners are completing too: both kinds of write are in flight.
        for (let wait = 0; wait < 200 && acknowledgedCompletions.size <= 20; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
        child.kill('SIGKILL');
        killed = true;
        await new Promise((resolve) => child.once('exit', resolve));
        // Submits keep arriving at a dead server for a while, as they would in life.
      }
      if (killed && i >= JOBS / 2 + 60 && dead(child)) child = await startCoordinator(db, port);
    }
    assert.ok(killed, 'the coordinator was killed mid-burst');
    assert.ok(acknowledgedJobs.size < JOBS, 'some submits hit the dead coordinator');
    if (dead(child)) child = await startCoordinator(db, port);

    // Clients retry every submit they never got an answer for, with the same Idempotency-Key.
    const retried = new Map<string, string>();
    for (const key of keys) {
      const answer = await persist(() => request('POST', '/v1/jobs', { key: client, body: submitBody({ max_price: '1', prompt: key }), headers: { 'idempotency-key': key } }));
      assert.equal(answer.status, 201, answer.text);
      retried.set(key, answer.body.job_id);
    }
    for (const [key, jobId] of acknowledgedJobs) assert.equal(retried.get(key), jobId, `acknowledged job for ${key} survived and was not duplicated`);

    // Wait for every job to finish (claims lost in the crash lapse after 2 s and are redone).
    const jobIds = new Set(retried.values());
    assert.equal(jobIds.size, JOBS, 'one job per idempotency key');
    for (let i = 0; i < 600; i++) {
      const statuses = await Promise.all([...jobIds].map(async (jobId) => (await request('GET', `/v1/jobs/${jobId}`, { key: client })).body.status));
      if (statuses.every((status) => status === 'completed')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    done = true;
    await Promise.all(work);

    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page: HttpAnswer = await request('GET', `/v1/jobs?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { key: client });
      listed.push(...page.body.items.filter((item: { status: string }) => item.status === 'completed').map((item: { job_id: string }) => item.job_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.equal(listed.length, JOBS, 'every job completed, none lost or duplicated');
    for (const jobId of acknowledgedCompletions) assert.ok(jobIds.has(jobId));

    // Each receipt pays once: claim them all twice, concurrently.
    let claimed = 0;
    for (const jobId of jobIds) {
      const receipt = (await request('GET', `/v1/jobs/${jobId}/receipt`, { key: client })).body;
      const owner = miners.find((miner) => miner.minerId === receipt.miner_id)!;
      const answers = await Promise.all([0, 1].map(() => request('POST', `/v1/receipts/${receipt.receipt_id}/claim`, { key: owner.apiKey })));
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
      claimed++;
    }
    assert.equal(claimed, JOBS);
    const account = (await request('GET', '/v1/account', { key: client })).body;
    assert.equal(account.escrowed, '0');
  } finally {
    done = true;
    child.kill('SIGKILL');
    await new Promise((resolve) => (dead(child) ? resolve(null) : child.once('exit', resolve)));
  }

  const audit = runAitbc(['coordinator', 'check-ledger', '--db', db]);
  assert.equal(audit.status, 0, audit.stdout + audit.stderr);
  assert.match(audit.stdout, new RegExp(`^${JOBS} jobs; credited 1000 = available \\S+ \\+ escrowed 0 \\+ earned 0 \\+ claimed \\S+ AITBC\\nledger OK\\n$`));
  rmSync(dir, { recursive: true, force: true });
});
