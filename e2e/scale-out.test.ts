// The scale-out as an operator runs it: three `aitbc coordinator` processes on one PostgreSQL
// database (and one Redis), twenty miners spread over them, 2,000 jobs submitted to all three,
// one coordinator killed with SIGKILL in the middle. Clients and miners behave as they would
// behind a load balancer: a request that finds its coordinator dead goes to another one (submits
// carry an idempotency key, so a retried submit is never a second job).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pg from 'pg';
import { parseAmount } from '@aitbc/protocol';
import { freePort, httpClient, until, type HttpAnswer, type RequestFn } from '@aitbc/testkit';
import { submitBody, TestMiner } from '@aitbc/testkit/coordinator';
import { createTestDatabase, type TestDatabase } from '@aitbc/testkit/postgres';
import { execAitbc, startAitbc, stopWith } from '@aitbc/testkit/processes';

const ADMIN = 'scale-out-admin';
const REDIS_URL = process.env.AITBC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JOBS = 2000;
const MINERS = 20;
const SUBMITTERS = 12;
/** Completions accepted before the second coordinator is killed. */
const KILL_AFTER = 600;
/** How long the miners may take over all jobs before the test stops them and says which jobs are left (about 40 s when well). */
const RUN_DEADLINE_MS = 150_000;

interface Coordinator {
  url: string;
  request: RequestFn;
  child: ChildProcess;
  alive: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'aitbc-scale-out-'));
let database: TestDatabase;
const coordinators: Coordinator[] = [];

const coordinatorArgs = (port: number, databaseUrl: string) => [
  'coordinator',
  '--database-url',
  databaseUrl,
  '--redis-url',
  REDIS_URL,
  '--port',
  String(port),
  '--admin-key',
  ADMIN,
  // Every process co-signs with the same key: receipts are the coordinator's, whichever process took them.
  '--key-file',
  join(dir, 'coordinator-key.json'),
  '--models',
  'llama3.2',
  '--lease-seconds',
  '5',
  '--acceptance-window',
  '0',
  '--log-level',
  'silent',
];

/** The jobs no accepted completion covers, as the database holds them: what a hung run needs to say. */
async function unfinishedJobs(url: string, completedBy: Map<string, string>): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT job_id, purpose, status, attempts, miner_id, lease_expires_at, error FROM jobs ORDER BY created_at');
    const left = rows.filter((row) => !completedBy.has(row.job_id));
    return JSON.stringify({ now: Date.now(), left: left.slice(0, 20) });
  } finally {
    await client.end();
  }
}

/** The first coordinator alive from `start` on, as a load balancer would pick. */
function pick(start: number): Coordinator {
  for (let i = 0; i < coordinators.length; i++) {
    const coordinator = coordinators[(start + i) % coordinators.length]!;
    if (coordinator.alive) return coordinator;
  }
  throw new Error('no coordinator alive');
}

/** Sends to the coordinator `start` names, or the next alive one when that one cannot be reached. */
async function balanced(start: number, send: (request: RequestFn) => Promise<HttpAnswer>): Promise<HttpAnswer> {
  for (let attempt = 0; ; attempt++) {
    const coordinator = pick(start + attempt);
    try {
      return await send(coordinator.request);
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

before(async () => {
  database = await createTestDatabase('aitbc_scale');
  // The first process migrates (the others would wait on its lock); then two more start together.
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const started = startAitbc(coordinatorArgs(port, database.url), /listening on/);
    const { child } = await started;
    coordinators.push({ url: `http://127.0.0.1:${port}`, request: httpClient(`http://127.0.0.1:${port}`), child, alive: true });
  }
});

/** How long a coordinator may take to exit after SIGTERM before the file's teardown kills it. */
const EXIT_DEADLINE_MS = 20_000;

after(async () => {
  // Bounded: twice a PostgreSQL coordinator here outlived its SIGTERM and held the whole file to
  // its 5-minute timeout. It is said loudly and killed, so the behaviours above still decide.
  for (const coordinator of coordinators) {
    if (!coordinator.alive) continue;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, EXIT_DEADLINE_MS, 'late')));
    if ((await Promise.race([stopWith(coordinator.child), late])) === 'late') {
      console.log(`coordinator ${coordinator.url} had not exited ${EXIT_DEADLINE_MS} ms after SIGTERM; killed`);
      coordinator.child.kill('SIGKILL');
    }
    clearTimeout(timer);
  }
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('three coordinators on one PostgreSQL', () => {
  it('2,000 jobs over three processes and twenty miners, one process SIGKILLed: each job done and paid once, the ledger exact', async () => {
    const admin = (path: string, body: unknown) => balanced(0, (request) => request('POST', path, { key: ADMIN, body }));
    const clientKey = (await admin('/v1/admin/keys', { scopes: ['client'], account: 'alice' })).body.key as string;
    assert.equal((await admin('/v1/admin/accounts/alice/credit', { amount: '10000' })).status, 200);
    const miners: TestMiner[] = [];
    for (let i = 0; i < MINERS; i++) {
      const key = (await admin('/v1/admin/keys', { scopes: ['miner'] })).body.key as string;
      // Each miner talks to "its" coordinator, through the balancer when that one is gone.
      const miner = new TestMiner({ request: (method, path, options) => balanced(i, (request) => request(method, path, options)) }, key, `scale-miner-${i}`, { 'llama3.2': '0.002' }, 2);
      assert.equal((await miner.register()).status, 201);
      miners.push(miner);
    }

    const jobIds = new Set<string>();
    const completedBy = new Map<string, string>(); // job id → the miner whose completion was accepted
    let submitted = 0;
    let refusedCompletions = 0;
    let killed = false;
    const submit = async (n: number) => {
      const answer = await balanced(n, (request) => request('POST', '/v1/jobs', { key: clientKey, body: submitBody({ prompt: `job ${n}`, max_price: '0.5' }), headers: { 'idempotency-key': `scale-${n}` } }));
      assert.equal(answer.status, 201, answer.text);
      jobIds.add(answer.body.job_id);
      submitted++;
      return answer.body.job_id as string;
    };

    // A miner whose claim the killed process committed but which never ran it (its answer was
    // lost with the process): the job must lapse and go to another miner. It claims job 0 before
    // anyone else polls (later, the others, with better records, are woken first and it could go
    // without), and its heartbeats keep the claim alive until the kill.
    const doomedKey = (await admin('/v1/admin/keys', { scopes: ['miner'] })).body.key as string;
    const doomed = new TestMiner(coordinators[1]!, doomedKey, 'scale-doomed', { 'llama3.2': '0.002' }, 1);
    assert.equal((await doomed.register()).status, 201);
    const strandedJobId = await submit(0);
    const claimed = await doomed.poll(5);
    assert.equal(claimed.status, 200, 'the doomed miner holds a job');
    assert.equal(claimed.body.job_id, strandedJobId);
    const heartbeats = setInterval(() => void doomed.heartbeat().catch(() => undefined), 1000);

    const submitter = async (loop: number) => {
      for (let n = loop || SUBMITTERS; n < JOBS && !stopped; n += SUBMITTERS) await submit(n);
    };

    const deadline = Date.now() + RUN_DEADLINE_MS;
    let stopped = false; // set when any loop fails, so the others stop rather than outlive the test
    const minerLoop = async (miner: TestMiner) => {
      while (completedBy.size < JOBS && Date.now() < deadline && !stopped) {
        let poll: HttpAnswer;
        try {
          poll = await miner.poll(1);
        } catch (error) {
          // balanced() already tried every coordinator alive: nothing left to poll.
          if (!coordinators.some((coordinator) => coordinator.alive)) throw error;
          continue;
        }
        if (poll.status !== 200) continue;
        const job = poll.body;
        const done = await miner.complete(job.job_id, miner.completion(job, `answer to ${job.job_id}`));
        if (done.status === 200) {
          assert.ok(!completedBy.has(job.job_id), `job ${job.job_id} completed twice (by ${completedBy.get(job.job_id)} and ${miner.minerId})`);
          completedBy.set(job.job_id, miner.minerId);
          if (!killed && completedBy.size >= KILL_AFTER) {
            killed = true;
            clearInterval(heartbeats);
            coordinators[1]!.alive = false;
            coordinators[1]!.child.kill('SIGKILL');
          }
        } else {
          // Its lease lapsed and the job went to another miner, or it was claimed from the killed process and re-queued.
          refusedCompletions++;
        }
      }
    };

    try {
      await Promise.all([...Array.from({ length: SUBMITTERS }, (_, loop) => submitter(loop)), ...miners.map(minerLoop)]);
    } finally {
      stopped = true;
      clearInterval(heartbeats);
    }
    if (completedBy.size < JOBS) assert.fail(`after ${RUN_DEADLINE_MS} ms, ${JOBS - completedBy.size} jobs not completed: ${await unfinishedJobs(database.url, completedBy)}`);
    assert.ok(killed, 'the second coordinator was killed mid-run');
    assert.equal(submitted, JOBS);
    assert.equal(jobIds.size, JOBS, 'every acknowledged submit is its own job, retries included');
    assert.equal(completedBy.size, JOBS, 'every job completed exactly once');
    for (const jobId of jobIds) assert.ok(completedBy.has(jobId), `job ${jobId} completed`);
    const stranded = await balanced(0, (request) => request('GET', `/v1/jobs/${strandedJobId}`, { key: clientKey }));
    assert.equal(stranded.body.status, 'completed');
    assert.notEqual(stranded.body.miner_id, 'scale-doomed', 'its lease lapsed and another miner ran it');
    assert.equal(stranded.body.attempts, 2);

    // The books: each job paid once, nothing lost, through the audit a person would run.
    const jobs = await balanced(0, (request) => request('GET', '/v1/jobs?limit=1', { key: clientKey }));
    assert.equal(jobs.status, 200);
    const audit = await execAitbc(['coordinator', 'check-ledger', '--database-url', database.url]);
    assert.equal(audit.status, 0, audit.stdout + audit.stderr);
    assert.match(audit.stdout, new RegExp(`^${JOBS} jobs;`, 'm'));
    assert.match(audit.stdout, /ledger OK/);
    const account = await balanced(0, (request) => request('GET', '/v1/account', { key: clientKey }));
    const spent = parseAmount('10000') - parseAmount(account.body.available);
    assert.equal(parseAmount(account.body.escrowed), 0n, 'nothing left in escrow');
    assert.ok(spent > 0n && spent <= BigInt(JOBS) * parseAmount('0.5'), `spent ${spent} µAIT`);
    console.log(`scale-out: ${JOBS} jobs, ${refusedCompletions} completions refused after lease lapses or the kill`);
  });

  it('a client streaming from one coordinator receives the pieces of a miner streaming into another', async () => {
    const [first, , third] = coordinators;
    const admin = (path: string, body: unknown) => first!.request('POST', path, { key: ADMIN, body });
    const clientKey = (await admin('/v1/admin/keys', { scopes: ['client'], account: 'streamer' })).body.key as string;
    await admin('/v1/admin/accounts/streamer/credit', { amount: '10' });
    const minerKey = (await admin('/v1/admin/keys', { scopes: ['miner'] })).body.key as string;
    const miner = await startAitbc(['miner', '--coordinator-url', third!.url, '--api-key', minerKey, '--miner-id', 'stream-miner', '--data-dir', join(dir, 'miner'), '--price', '0.001'], /"event":"registered"/, {
      cwd: dir,
    });
    try {
      const openai = new OpenAI({ baseURL: `${first!.url}/v1`, apiKey: clientKey, maxRetries: 0 });
      const pieces: string[] = [];
      let jobId = '';
      for await (const chunk of await openai.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'The Queen said' }], max_tokens: 12, stream: true })) {
        jobId ||= chunk.id;
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) pieces.push(delta);
      }
      assert.ok(pieces.length > 1, `the text came in pieces (${pieces.length})`);
      // The job's result, read from the miner's coordinator: what the miner was paid for.
      const result = await until(async () => {
        const answer = await third!.request('GET', `/v1/jobs/${jobId.replace(/^chatcmpl-/, '')}/result`, { key: clientKey });
        return answer.status === 200 ? answer.body : null;
      }, 'the streamed job to be completed');
      assert.equal(pieces.join(''), result.output, 'the client saw exactly the output the miner was paid for');
    } finally {
      await stopWith(miner.child);
    }
  });

  it('a rate limit holds across the coordinators together', async () => {
    const alive = coordinators.filter((coordinator) => coordinator.alive);
    const key = (await alive[0]!.request('POST', '/v1/admin/keys', { key: ADMIN, body: { scopes: ['client'], account: 'limited', rate_limit_per_minute: 4 } })).body.key as string;
    const answers: HttpAnswer[] = [];
    for (let i = 0; i < 6; i++) answers.push(await alive[i % alive.length]!.request('GET', '/v1/account', { key }));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200, 200, 429, 429],
      'four requests a minute in all, whichever process they reached',
    );
    assert.equal(answers[4]!.body.error_code, 'RATE_LIMIT_EXCEEDED');
  });
});
