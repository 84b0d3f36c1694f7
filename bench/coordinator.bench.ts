// `npm run bench`: the coordinator's job throughput on this machine.
//  1. store: claims per second straight on the SQLite store (one IMMEDIATE transaction each);
//  2. HTTP: jobs per second through submit → long-poll claim → signed completion over real
//     HTTP with 20 miners, receipts built and verified (Ed25519) on the way.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64urlEncode, generateKeyPair, newId, randomHex } from '@aitbc/protocol';
import { SqliteStore } from '../packages/coordinator/src/store/sqlite/sqlite-store.ts';
import { startTestCoordinator, submitBody, TestMiner } from '../packages/coordinator/test/harness.ts';

const rate = (count: number, ms: number) => `${Math.round((count / ms) * 1000).toLocaleString('en')}/s`;

async function storeClaims(jobs: number): Promise<void> {
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
    let started = performance.now();
    for (let i = 0; i < jobs; i++) {
      await store.submitJob({ jobId: newId('job'), account: 'alice', model: i % 2 ? 'llama3.2' : 'qwen2.5', prompt: `p${i}`, params: {}, maxPriceMicro: 2_500_000n, minUnits: 1, pinnedMinerId: null, createdAt: now + i, deadline: now + 900_000 }, null, null);
    }
    const submitMs = performance.now() - started;
    started = performance.now();
    let claimed = 0;
    for (;;) {
      const outcome = await store.claimNext({ minerId: minerIds[claimed % minerIds.length]!, now: Date.now(), leaseMs: 60_000, nonce: randomHex(16) });
      if (outcome.kind !== 'claimed') break;
      claimed++;
    }
    const claimMs = performance.now() - started;
    console.log(`store   (SQLite file, WAL) submits: ${jobs} in ${submitMs.toFixed(0)} ms = ${rate(jobs, submitMs)}; claims: ${claimed} in ${claimMs.toFixed(0)} ms = ${rate(claimed, claimMs)}`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function httpRoundTrips(jobs: number, minerCount: number): Promise<void> {
  const coordinator = await startTestCoordinator({ models: ['llama3.2'] });
  try {
    const client = await coordinator.createClient('alice', '100000');
    const miners = await Promise.all(
      Array.from({ length: minerCount }, async (_, i) => {
        const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), `bench-${i}`);
        await miner.register();
        return miner;
      }),
    );
    let completed = 0;
    const started = performance.now();
    const workers = miners.map(async (miner) => {
      while (completed < jobs) {
        const poll = await miner.poll(1);
        if (poll.status !== 200) continue;
        const done = await miner.complete(poll.body.job_id, miner.completion(poll.body, 'output', undefined, Date.now()));
        if (done.status !== 200) throw new Error(done.text);
        completed++;
      }
    });
    for (let i = 0; i < jobs; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, jobs - i) }, () => coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() })));
    }
    await Promise.all(workers);
    const ms = performance.now() - started;
    console.log(`http    ${jobs} jobs submitted, claimed and completed by ${minerCount} miners in ${ms.toFixed(0)} ms = ${rate(jobs, ms)} (client, miners and server share this process)`);
  } finally {
    await coordinator.close();
  }
}

console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
await storeClaims(5000);
await httpRoundTrips(2000, 20);
