// `aitbc miner` as a GPU owner runs it: a separate process that registers, serves jobs with the
// demo backend, keeps its signing key across restarts, and on SIGTERM leaves cleanly.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAitbc, stopWith } from '@aitbc/testkit/processes';
import { AitbcClient } from '@aitbc/sdk';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';

const dir = mkdtempSync(join(tmpdir(), 'aitbc-miner-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const startMiner = (url: string, key: string) =>
  startAitbc(['miner', '--coordinator-url', url, '--api-key', key, '--miner-id', 'cli-miner', '--data-dir', join(dir, 'miner'), '--price', '0.001'], /"event":"registered"/, { cwd: dir }).then((started) => ({
    child: started.child,
    log: started.output,
  }));
const stopped = (child: ChildProcess) => stopWith(child);

test('serves jobs with the demo backend, keeps its key, and stops on SIGTERM', async () => {
  const coordinator = await startTestCoordinator();
  try {
    const minerKey = await coordinator.createKey(['miner']);
    let miner = await startMiner(coordinator.url, minerKey);
    const registered = await new AitbcClient({ baseUrl: coordinator.url }).miners.get('cli-miner');
    assert.deepEqual(registered.models, ['demo']);
    const keyFile = JSON.parse(readFileSync(join(dir, 'miner', 'miner-key.json'), 'utf8'));
    assert.equal(registered.public_key, keyFile.public_key);

    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '10'), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 100))) });
    const result = await client.jobs.run({ model: 'demo', prompt: 'Alice was beginning', max_price: '1', params: { max_tokens: 12, seed: 7 } });
    assert.equal(result.usage.completion_tokens, 12);
    assert.equal((await client.receipts.verify(result.receipt)).valid, true);

    assert.equal(await stopped(miner.child), 0);
    assert.match(miner.log(), /"event":"stopped"/);

    miner = await startMiner(coordinator.url, minerKey);
    assert.equal((await new AitbcClient({ baseUrl: coordinator.url }).miners.get('cli-miner')).public_key, keyFile.public_key, 'same key after a restart');
    assert.equal(await stopped(miner.child), 0);
    await coordinator.assertLedger();
  } finally {
    await coordinator.close();
  }
});
