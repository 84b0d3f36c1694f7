// `npm run bench:load [-- <jobs>]`: a bounded load test on loopback. Starts `aitbc coordinator`
// (SQLite, configured as `aitbc devnet` configures it, without the chain) and a demo miner
// (`aitbc miner --backend demo`, 16 slots), each in its own process, then runs <jobs> (100,000 by
// default) client lifecycles through them — submit, then fetch the result until it is there — from
// 32 concurrent loops, and prints per tenth of the jobs: lifecycles/s over that tenth, the
// coordinator's CPU per lifecycle (steadier than lifecycles/s on a shared machine), resident
// memory of both processes, and the database's size. A job table that grows must not slow claims:
// the last tenth should run as fast as the first. Not part of `npm test` (it takes minutes).

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { cpuMs, jsonClient, spawnServer } from './load.ts';

const JOBS = Number(process.argv[2] ?? 100_000);
const LOOPS = 32;
const MINER_SLOTS = 16;
const MINER_ID = 'load-miner';
const ADMIN = 'load-admin';

/** Resident memory of a process in MiB, from /proc (Linux). */
function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = mkdtempSync(join(tmpdir(), 'aitbc-load-'));
const cli = fileURLToPath(new URL('../packages/cli/bin/aitbc.js', import.meta.url));
const db = join(dir, 'coordinator.db');
const coordinator = await spawnServer([
  cli, 'coordinator', '--port', '0', '--db', db, '--key-file', join(dir, 'key.json'), '--admin-key', ADMIN,
  // As `aitbc devnet`: the operator's own miner is trusted (nobody else could re-run its jobs), no acceptance window.
  '--trusted-miners', MINER_ID, '--acceptance-window', '0', '--log-level', 'warn', '--max-in-flight', '100000',
]);
const call = jsonClient(coordinator.url, LOOPS + 4);
let miner: ReturnType<typeof spawn> | null = null;
try {
  const minerKey = (await call('POST', '/v1/admin/keys', { scopes: ['miner'] }, { 'x-api-key': ADMIN })).body.key;
  const clientKey = (await call('POST', '/v1/admin/keys', { scopes: ['client'], account: 'load' }, { 'x-api-key': ADMIN })).body.key;
  await call('POST', '/v1/admin/accounts/load/credit', { amount: String(JOBS) }, { 'x-api-key': ADMIN });
  miner = spawn(
    process.execPath,
    [cli, 'miner', '--coordinator-url', coordinator.url, '--api-key', minerKey, '--miner-id', MINER_ID, '--backend', 'demo', '--max-concurrency', String(MINER_SLOTS), '--data-dir', join(dir, 'miner'), '--price', '0.001'],
    { stdio: 'ignore' },
  );
  while ((await call('GET', `/v1/miners/${MINER_ID}`)).status !== 200) await sleep(100);

  console.log(`load    ${JOBS.toLocaleString('en')} jobs, ${LOOPS} client loops, one demo miner with ${MINER_SLOTS} slots, SQLite; per ${(JOBS / 10).toLocaleString('en')} jobs:`);
  let started = 0;
  let done = 0;
  let blockStarted = performance.now();
  let blockCpu = cpuMs(coordinator.child.pid!);
  const firstStarted = blockStarted;
  const lifecycle = async () => {
    const submitted = await call('POST', '/v1/jobs', { model: 'demo', prompt: `load ${started}`, params: { max_tokens: 8 }, max_price: '0.01' }, { 'x-api-key': clientKey });
    if (submitted.status !== 201) throw new Error(`submit answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
    // As a client would, but keen: ask again soon, then less often.
    for (let wait = 5; ; wait = Math.min(wait * 2, 500)) {
      await sleep(wait);
      const result = await call('GET', `/v1/jobs/${submitted.body.job_id}/result`, undefined, { 'x-api-key': clientKey });
      if (result.status === 200) break;
      if (result.status !== 202) throw new Error(`result answered ${result.status}: ${JSON.stringify(result.body)}`);
    }
    done++;
    if (done % (JOBS / 10) === 0) {
      const now = performance.now();
      const perSecond = (JOBS / 10 / (now - blockStarted)) * 1000;
      const cpu = cpuMs(coordinator.child.pid!);
      console.log(
        `load    jobs ${(done - JOBS / 10 + 1).toLocaleString('en')}–${done.toLocaleString('en')}: ${Math.round(perSecond).toLocaleString('en')} lifecycles/s, coordinator CPU ${Math.round(((cpu - blockCpu) * 1000) / (JOBS / 10))} µs each; resident memory: coordinator ${rssMiB(coordinator.child.pid!).toFixed(0)} MiB, miner ${rssMiB(miner!.pid!).toFixed(0)} MiB; database ${(statSync(db).size / 2 ** 20).toFixed(0)} MiB`,
      );
      blockStarted = now;
      blockCpu = cpu;
    }
  };
  await Promise.all(
    Array.from({ length: LOOPS }, async () => {
      while (started < JOBS) {
        started++;
        await lifecycle();
      }
    }),
  );
  console.log(`load    all ${JOBS.toLocaleString('en')} in ${((performance.now() - firstStarted) / 1000).toFixed(0)} s`);
} finally {
  miner?.kill('SIGINT');
  coordinator.child.kill('SIGINT');
  await new Promise((resolve) => coordinator.child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
