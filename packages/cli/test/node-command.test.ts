// `aitbc node init` and `aitbc node` as an operator runs them: a genesis with an allocation, a
// transfer submitted over RPC lands in a block, and a restart keeps the chain.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAitbc, startAitbc, stopWith } from '@aitbc/testkit/processes';
import { addressFromPublicKey, generateKeyPair } from '@aitbc/protocol';
import { signTx } from '@aitbc/chain';
import { freePort } from '@aitbc/testkit';

const dir = mkdtempSync(join(tmpdir(), 'aitbc-node-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const startNode = (port: number) => startAitbc(['node', '--data-dir', dir, '--port', String(port)], /RPC on/).then((started) => started.child);
const stop = (child: ChildProcess) => stopWith(child);

test('init, transfer over RPC into a block, restart', async () => {
  const alice = generateKeyPair();
  const bob = addressFromPublicKey(generateKeyPair().publicKey);
  const init = runAitbc(['node', 'init', '--data-dir', dir, '--chain-id', 'aitbc-cli', '--block-interval', '100', '--allocate', `${addressFromPublicKey(alice.publicKey)}=50`]);
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /^wrote .*genesis\.json; every node of this chain starts from a copy of it\nauthority ait1/);
  const again = runAitbc(['node', 'init', '--data-dir', dir]);
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
