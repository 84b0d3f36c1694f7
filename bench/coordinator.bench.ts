// `npm run bench`: the coordinator's job throughput on this machine, after the command line's
// start-up times (cli.bench.ts).
//  1. store: submits, claims and completions per second straight on the SQLite store;
//  2. ceiling: requests per second of a bare Fastify JSON route in its own process;
//  3. lifecycles per second over HTTP against `aitbc coordinator` in its own process: submit →
//     long-poll claim → complete with a miner-signed receipt (verified and co-signed), with the
//     same load generator, and the ratio to the ceiling (bare requests/s ÷ 3); the bulk lifecycle,
//     100 jobs a request (batch submit, batch long-poll, one request of 100 completions); then the
//     single lifecycle on PostgreSQL with 1, 2 and 3 coordinator processes sharing one database;
//     and the floor: the CPU a lifecycle's parts alone cost (printFloor), against the ceiling;
//  4. verify: the verification simulation (verification-sim.ts): jobs until each kind of cheater
//     is caught, honest miners wrongly flagged, the extra work the checks cost, and what cheating
//     gains or loses against honest work under a stated cost model (verification/economics.ts);
//     then the same world run on until its first 200 cheaters of each kind are caught (or at a
//     cap), so that the 10 % cheaters' p99 is measured too.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base64urlEncode, completeReceipt, generateKeyPair, newId, parseAmount, randomHex, signReceipt, verifyReceiptSignature, type KeyPair, type Receipt } from '@aitbc/protocol';
import { useNodeCrypto } from '@aitbc/protocol/node';
import { SqliteStore } from '../packages/coordinator/src/store/sqlite/sqlite-store.ts';
import { benchChain } from './chain.bench.ts';
import { benchCliStartup } from './cli.bench.ts';
import { benchZk } from './zk.bench.ts';
import { createTestDatabase } from '@aitbc/testkit/postgres';
import { cpuMs, drive, jsonClient, spawnServer } from './load.ts';
import { benchTimeToFirstToken } from './openai.bench.ts';
import { benchVerification } from './verification-sim.ts';

const rate = (count: number, ms: number) => `${Math.round((count / ms) * 1000).toLocaleString('en')}/s`;

/** A miner-signed receipt of a real one's size, for timing what the coordinator does with one. */
function benchReceipt(keys: KeyPair, times = { startedAt: 1, completedAt: 2 }): Receipt {
  const template = { version: 1, chain_id: 'aitbc-bench', job_id: 'job-x', client: 'alice', provider: 'ait1bench', miner_id: 'bench-0', model: 'qwen2.5', unit_type: 'tokens', unit_price: '0.001', nonce: randomHex(16), prompt_hash: `sha256:${'0'.repeat(64)}` } as const;
  return signReceipt(completeReceipt(template, { units: 5n, maxPriceMicro: 2_500_000n, output: 'bench output', ...times }), 'miner', keys.secretKey);
}

/** Store steps in flight at once in the store bench: the lifecycles' loops (LOOPS). */
const IN_FLIGHT = 20;

/** µs of one thread per store step, measured by storeClaims: the floor's SQLite part. */
interface StoreCosts {
  submitUs: number;
  claimUs: number;
  completeUs: number;
}

async function storeClaims(jobs: number): Promise<StoreCosts> {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-bench-'));
  const store = new SqliteStore({ path: join(dir, 'bench.db') });
  try {
    const now = Date.now();
    // 50 miners × 100 slots, each offering two models, as a busy marketplace would have.
    const minerIds = Array.from({ length: 50 }, (_, i) => `bench-${i}`);
    const publicKey = base64urlEncode(generateKeyPair().publicKey);
    for (const minerId of minerIds) {
      await store.registerMiner(
        { minerId, ownerKeyId: 'key-bench', publicKey, payoutAddress: 'ait1bench', maxConcurrency: 100, gpu: null, prices: new Map([['llama3.2', 2000n], ['qwen2.5', 1000n]]) },
        now,
      );
    }
    await store.credit('alice', BigInt(jobs) * 2_500_000n, now);
    // Each step IN_FLIGHT at a time, as the lifecycles' loops send them: the steps started in one
    // turn of the event loop share a commit (packages/coordinator/src/store/sqlite/group-commit.ts),
    // as they do in the coordinator.
    const inTurns = async <T>(count: number, step: (i: number) => Promise<T>): Promise<T[]> => {
      const results: T[] = [];
      for (let i = 0; i < count; i += IN_FLIGHT) results.push(...(await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count - i) }, (_, k) => step(i + k)))));
      return results;
    };
    let started = performance.now();
    await inTurns(jobs, (i) =>
      store.submitJob({ jobId: newId('job'), account: 'alice', model: i % 2 ? 'llama3.2' : 'qwen2.5', kind: 'text', prompt: `p${i}`, requires: 1, params: {}, maxPriceMicro: 2_500_000n, minUnits: 1, pinnedMinerId: null, createdAt: now + i, deadline: now + 900_000, acceptanceWindowMs: 600_000 }, null, null),
    );
    const submitMs = performance.now() - started;
    started = performance.now();
    const claims = await inTurns(jobs, (i) => store.claimNext({ minerId: minerIds[i % minerIds.length]!, now: Date.now(), leaseMs: 60_000, nonce: randomHex(16), probationJobs: 0, trusted: false }));
    const running = claims.flatMap((outcome) => (outcome.kind === 'claimed' ? [outcome.job] : []));
    const claimed = running.length;
    const claimMs = performance.now() - started;
    // The store keeps a receipt as given; it checks nothing of it.
    const sample = benchReceipt(generateKeyPair(), { startedAt: now, completedAt: now + 1 });
    started = performance.now();
    await inTurns(running.length, async (i) => {
      const job = running[i]!;
      const outcome = await store.completeJob({ jobId: job.jobId, minerId: job.minerId!, claimNonce: job.claimNonce!, output: 'bench output', outputData: null, promptTokens: 2, completionTokens: 3, priceMicro: 5_000n, receipt: { ...sample, job_id: job.jobId, receipt_id: newId('rcpt') }, minerPublicKey: publicKey, now: Date.now() });
      if (outcome.kind !== 'done') throw new Error(`completion of ${job.jobId} refused`);
    });
    const completeMs = performance.now() - started;
    console.log(`store   (SQLite file, WAL, ${IN_FLIGHT} in flight) submits: ${jobs} in ${submitMs.toFixed(0)} ms = ${rate(jobs, submitMs)}; claims: ${claimed} in ${claimMs.toFixed(0)} ms = ${rate(claimed, claimMs)}; completions: ${running.length} in ${completeMs.toFixed(0)} ms = ${rate(running.length, completeMs)}`);
    return { submitUs: (submitMs * 1000) / jobs, claimUs: (claimMs * 1000) / claimed, completeUs: (completeMs * 1000) / running.length };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const LOOPS = 20;
const SECONDS = 8;

/** Requests/s of the bare route, and its server's CPU per request. */
async function bareCeiling(): Promise<{ perSecond: number; cpuMicrosEach: number }> {
  const { url, child } = await spawnServer(['--import', 'tsx', fileURLToPath(new URL('./bare-server.ts', import.meta.url))]);
  try {
    const call = jsonClient(url, LOOPS);
    await drive(LOOPS, 1, async (loop) => void (await call('POST', '/echo', { n: loop }))); // warm-up
    const cpuBefore = cpuMs(child.pid!);
    const { count, perSecond } = await drive(LOOPS, SECONDS, async (loop) => {
      const answer = await call('POST', '/echo', { n: loop });
      if (answer.status !== 200) throw new Error(`bare route answered ${answer.status}`);
    });
    return { perSecond, cpuMicrosEach: ((cpuMs(child.pid!) - cpuBefore) * 1000) / count };
  } finally {
    child.kill();
  }
}

/**
 * What one core must spend on a lifecycle with nothing but its parts: the store's three steps
 * (storeClaims), the Ed25519 verification of the miner's receipt signature and the co-signature
 * (timed here on a receipt), and three requests' worth of the bare route's own server CPU. Its
 * inverse bounds one coordinator process, whatever else is trimmed.
 */
function printFloor(store: StoreCosts, bareCpuUs: number, ceiling: number): void {
  const keys = generateKeyPair();
  const receipt = benchReceipt(keys);
  const signed = Array.from({ length: 200 }, () => signReceipt(receipt, 'coordinator', keys.secretKey)); // warm
  const rounds = 2000;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    if (!verifyReceiptSignature(signed[i % signed.length]!, 'miner', keys.publicKey)) throw new Error('a valid receipt did not verify');
    signReceipt(receipt, 'coordinator', keys.secretKey);
  }
  const cryptoUs = ((performance.now() - started) * 1000) / rounds;
  const storeUs = store.submitUs + store.claimUs + store.completeUs;
  const floorUs = storeUs + cryptoUs + 3 * bareCpuUs;
  const most = 1_000_000 / floorUs;
  console.log(
    `floor   a lifecycle's parts alone, on one core: store submit ${store.submitUs.toFixed(0)} + claim ${store.claimUs.toFixed(0)} + completion ${store.completeUs.toFixed(0)} µs, ` +
      `receipt verification and co-signature ${cryptoUs.toFixed(0)} µs, 3 bare requests' server CPU ${(3 * bareCpuUs).toFixed(0)} µs = ${floorUs.toFixed(0)} µs → at most ${Math.round(most).toLocaleString('en')} lifecycles/s = ${((most / ceiling) * 100).toFixed(0)} % of the ceiling`,
  );
}

/** Where the coordinators of a lifecycle run keep their books: a SQLite file, or a PostgreSQL database they share. */
type Books = { engine: 'sqlite' } | { engine: 'postgres'; processes: number };

/** Jobs a request in the bulk lifecycle: the most a batch takes. */
const BATCH = 100;
/** Concurrent bulk loops: each has up to BATCH jobs in flight, so a few keep SQLite's one writer busy. */
const BULK_LOOPS = 4;

/**
 * Full HTTP lifecycles per second against `aitbc coordinator` processes: one on SQLite, or 1–3
 * on one PostgreSQL database. With several processes each loop submits to one process and its
 * miner long-polls another, so every job crosses processes (the work signal wakes the miner).
 */
async function lifecycles(books: Books, batch: number | null = null): Promise<{ perSecond: number; cpuMicrosEach: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-bench-'));
  const admin = 'bench-admin';
  // AITBC_BENCH_CLI=<another checkout's packages/cli/bin/aitbc.js> measures that build (say, the main branch's) for a before/after.
  const cli = process.env.AITBC_BENCH_CLI ?? fileURLToPath(new URL('../packages/cli/bin/aitbc.js', import.meta.url));
  // AITBC_BENCH_PROFILE=<dir> writes a V8 CPU profile of the coordinator there.
  const profile = process.env.AITBC_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.AITBC_BENCH_PROFILE] : [];
  const database = books.engine === 'postgres' ? await createTestDatabase('aitbc_bench') : null;
  const where = database ? ['--database-url', database.url] : ['--db', join(dir, 'c.db')];
  const common = [...where, '--key-file', join(dir, 'key.json'), '--admin-key', admin, '--models', 'llama3.2', '--log-level', 'silent', '--max-in-flight', '100000'];
  const servers: Awaited<ReturnType<typeof spawnServer>>[] = [];
  try {
    // The first process migrates the database; the others find it ready.
    for (let i = 0; i < (books.engine === 'postgres' ? books.processes : 1); i++) servers.push(await spawnServer([...profile, cli, 'coordinator', '--port', '0', ...common]));
    const calls = servers.map((server) => jsonClient(server.url, LOOPS * 2));
    const call = calls[0]!;
    const clientKey = (await call('POST', '/v1/admin/keys', { scopes: ['client'], account: 'bench' }, { 'x-api-key': admin })).body.key;
    await call('POST', '/v1/admin/accounts/bench/credit', { amount: '1000000' }, { 'x-api-key': admin });
    const miners = await Promise.all(
      Array.from({ length: LOOPS }, async (_, i) => {
        const key = (await call('POST', '/v1/admin/keys', { scopes: ['miner'] }, { 'x-api-key': admin })).body.key;
        const keys = generateKeyPair();
        const minerId = `bench-${i}`;
        await call('POST', '/v1/miners/register', { miner_id: minerId, public_key: base64urlEncode(keys.publicKey), models: ['llama3.2'], prices: { 'llama3.2': '0.002' }, max_concurrency: batch ?? 1 }, { 'x-api-key': key });
        return { key, keys, minerId };
      }),
    );
    // One lifecycle: a client submits, a miner long-polls it out, runs nothing, signs, completes.
    const lifecycle = async (loop: number) => {
      const miner = miners[loop]!;
      const submitTo = calls[loop % calls.length]!;
      const mineAt = calls[(loop + 1) % calls.length]!;
      const submitted = await submitTo('POST', '/v1/jobs', { model: 'llama3.2', prompt: `bench ${loop}`, max_price: '0.1' }, { 'x-api-key': clientKey });
      if (submitted.status !== 201) throw new Error(`submit answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
      let poll = await mineAt('POST', '/v1/miners/poll', { miner_id: miner.minerId, wait_seconds: 5 }, { 'x-api-key': miner.key });
      while (poll.status === 204) poll = await mineAt('POST', '/v1/miners/poll', { miner_id: miner.minerId, wait_seconds: 5 }, { 'x-api-key': miner.key });
      const job = poll.body;
      const output = 'bench output';
      const unsigned = completeReceipt(job.receipt_template, { units: 5n, maxPriceMicro: parseAmount(job.max_price), output, startedAt: Date.parse(job.claimed_at), completedAt: Date.now() });
      const receipt = signReceipt(unsigned, 'miner', miner.keys.secretKey);
      const done = await mineAt('POST', `/v1/jobs/${job.job_id}/complete`, { miner_id: miner.minerId, output, usage: { prompt_tokens: 2, completion_tokens: 3 }, receipt }, { 'x-api-key': miner.key });
      if (done.status !== 200) throw new Error(`complete answered ${done.status}: ${JSON.stringify(done.body)}`);
    };
    // The bulk lifecycle: a client submits `batch` jobs in one request, a miner claims up to as
    // many in one long-poll (whichever are queued, its loop's or another's), signs each receipt
    // and completes them all in one request. It counts the jobs completed.
    const bulkLifecycle = async (loop: number) => {
      const miner = miners[loop]!;
      const jobs = Array.from({ length: batch! }, (_, i) => ({ model: 'llama3.2', prompt: `bench ${loop} ${i}`, max_price: '0.1' }));
      const submitted = await call('POST', '/v1/jobs/batch', { jobs }, { 'x-api-key': clientKey });
      if (submitted.status !== 200 || submitted.body.results.some((result: { error?: unknown }) => result.error)) throw new Error(`batch submit answered ${submitted.status}: ${JSON.stringify(submitted.body).slice(0, 500)}`);
      let claimed: any[] = [];
      while (claimed.length === 0) claimed = (await call('POST', '/v1/miners/poll/batch', { miner_id: miner.minerId, max_jobs: batch, wait_seconds: 5 }, { 'x-api-key': miner.key })).body.jobs;
      const output = 'bench output';
      const completions = claimed.map((job) => {
        const unsigned = completeReceipt(job.receipt_template, { units: 5n, maxPriceMicro: parseAmount(job.max_price), output, startedAt: Date.parse(job.claimed_at), completedAt: Date.now() });
        return { job_id: job.job_id, output, usage: { prompt_tokens: 2, completion_tokens: 3 }, receipt: signReceipt(unsigned, 'miner', miner.keys.secretKey) };
      });
      const done = await call('POST', '/v1/jobs/complete/batch', { miner_id: miner.minerId, completions }, { 'x-api-key': miner.key });
      if (done.status !== 200 || done.body.results.some((result: { error?: unknown }) => result.error)) throw new Error(`batch complete answered ${done.status}: ${JSON.stringify(done.body).slice(0, 500)}`);
      return claimed.length;
    };
    const loops = batch === null ? LOOPS : BULK_LOOPS;
    const step = batch === null ? lifecycle : bulkLifecycle;
    await drive(loops, 1, step); // warm-up
    const cpuBefore = servers.map(({ child }) => cpuMs(child.pid!));
    const { count, perSecond } = await drive(loops, SECONDS, step);
    const cpuSpent = servers.reduce((sum, { child }, i) => sum + cpuMs(child.pid!) - cpuBefore[i]!, 0);
    return { perSecond, cpuMicrosEach: (cpuSpent * 1000) / count };
  } finally {
    for (const { child } of servers) {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bulk lifecycles on SQLite, beside the single lifecycle and the ceiling when measured. */
async function bulkLifecycles(beside: { single: number; ceiling: number } | null): Promise<void> {
  const bulk = await lifecycles({ engine: 'sqlite' }, BATCH);
  const compared = beside ? ` = ${(bulk.perSecond / beside.single).toFixed(1)}× the single lifecycle, ${((bulk.perSecond / beside.ceiling) * 100).toFixed(0)} % of the single-request ceiling` : '';
  console.log(
    `http    bulk lifecycles, ${BATCH} jobs a request (batch submit → batch long-poll claim → ${BATCH} signed completions in one request), ${BULK_LOOPS} loops: ${Math.round(bulk.perSecond).toLocaleString('en')}/s${compared}; coordinator CPU ${Math.round(bulk.cpuMicrosEach)} µs a job`,
  );
}

/** The scale-out on this machine's PostgreSQL: 1, 2 and 3 coordinator processes on one database, beside SQLite's figure when measured. */
async function postgresLifecycles(sqlitePerSecond: number | null): Promise<void> {
  for (const processes of [1, 2, 3]) {
    const { perSecond, cpuMicrosEach } = await lifecycles({ engine: 'postgres', processes });
    const beside = sqlitePerSecond === null ? '' : ` (SQLite, 1 process: ${Math.round(sqlitePerSecond).toLocaleString('en')}/s)`;
    console.log(
      `http    full lifecycles on PostgreSQL, ${processes} coordinator process${processes === 1 ? '' : 'es'}${processes > 1 ? ' (each job submitted to one, claimed and completed at another)' : ''}: ${Math.round(perSecond).toLocaleString('en')}/s, coordinator CPU ${Math.round(cpuMicrosEach)} µs a lifecycle${beside}`,
    );
  }
}

// The simulated miners sign with OpenSSL too, so the load generator is not the bottleneck.
useNodeCrypto();
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
// `npm run bench -- http`: only the ceiling and the SQLite lifecycles, to measure one change quickly;
// `npm run bench -- postgres`: only the lifecycles on PostgreSQL (1–3 processes);
// `npm run bench -- bulk`: only the bulk lifecycles on SQLite.
const onlyHttp = process.argv.includes('http');
const onlyPostgres = process.argv.includes('postgres');
const onlyBulk = process.argv.includes('bulk');
if (onlyPostgres) {
  await postgresLifecycles(null);
  process.exit(0);
}
if (onlyBulk) {
  await bulkLifecycles(null);
  process.exit(0);
}
let storeCosts: StoreCosts | null = null;
if (!onlyHttp) {
  await benchCliStartup();
  storeCosts = await storeClaims(5000);
  await benchChain();
  await benchZk();
}
const { perSecond: bare, cpuMicrosEach: bareCpu } = await bareCeiling();
const measured = await lifecycles({ engine: 'sqlite' });
const ceiling = bare / 3;
console.log(`ceiling bare Fastify route: ${Math.round(bare).toLocaleString('en')} requests/s → ${Math.round(ceiling).toLocaleString('en')} lifecycles/s (3 requests each); ${LOOPS} concurrent loops, ${SECONDS} s`);
console.log(
  `http    full lifecycles (submit → long-poll claim → signed complete → co-signed): ${Math.round(measured.perSecond).toLocaleString('en')}/s = ${((measured.perSecond / ceiling) * 100).toFixed(0)} % of the ceiling; coordinator CPU ${Math.round(measured.cpuMicrosEach)} µs a lifecycle`,
);
if (storeCosts) printFloor(storeCosts, bareCpu, ceiling);
if (onlyHttp) process.exit(0);
await bulkLifecycles({ single: measured.perSecond, ceiling });
await postgresLifecycles(measured.perSecond);
await benchTimeToFirstToken();
await benchVerification();
