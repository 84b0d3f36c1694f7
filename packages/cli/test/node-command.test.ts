// `aitbc node init` and `aitbc node` as an operator runs them: a genesis with an allocation, a
// transfer submitted over RPC lands in a block, and a restart keeps the chain.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addressFromPublicKey, generateKeyPair } from '@aitbc/protocol';
import { signTx } from '@aitbc/chain';
import { freePort } from '../../coordinator/test/harness.ts';

const BIN = fileURLToPath(new URL('../bin/aitbc.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'aitbc-node-'));
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startNode(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'node', '--data-dir', dir, '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let log = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('RPC on')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`node exited with ${code}: ${log}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });

test('init, transfer over RPC into a block, restart', async () => {
  const alice = generateKeyPair();
  const bob = addressFromPublicKey(generateKeyPair().publicKey);
  const init = spawnSync(process.execPath, [BIN, 'node', 'init', '--data-dir', dir, '--chain-id', 'aitbc-cli', '--block-interval', '100', '--allocate', `${addressFromPublicKey(alice.publicKey)}=50`], { encoding: 'utf8' });
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /^wrote .*genesis\.json\nauthority ait1/);
  const again = spawnSync(process.execPath, [BIN, 'node', 'init', '--data-dir', dir], { encoding: 'utf8' });
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /exists; a genesis is written once/);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let node = await startNode(port);
  const tx = signTx({ type: 'transfer', chain_id: 'aitbc-cli', to: bob, amount: '20', fee: '0.001', nonce: 0 } as never, alice.secretKey);
  const submitted = await fetch(`${url}/rpc/txs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx) });
  assert.equal(submitted.status, 202);
  let balance = '0';
  for (let i = 0; i < 100 && balance === '0'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    balance = (await (await fetch(`${url}/rpc/accounts/${bob}`)).json()).balance;
  }
  assert.equal(balance, '20');
  const head = await (await fetch(`${url}/rpc/head`)).json();
  assert.equal(head.height, 1);
  assert.equal(await stop(node), 0);

  node = await startNode(port);
  assert.deepEqual(await (await fetch(`${url}/rpc/head`)).json(), head, 'the chain survives a restart');
  assert.equal(await stop(node), 0);
});
