// `aitbc wallet` as a person uses it: create an encrypted wallet, get funded at genesis, send a
// transfer through a running node, see balances and history; a wrong passphrase sends nothing.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAitbc, startAitbc, stopWith } from '@aitbc/testkit/processes';
import { freePort } from '@aitbc/testkit';

const dir = mkdtempSync(join(tmpdir(), 'aitbc-wallet-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const env = { ...process.env, AITBC_WALLET_DIR: join(dir, 'wallets'), AITBC_WALLET_PASSPHRASE: 'correct horse battery staple' };
const aitbc = (args: string[], extraEnv: Record<string, string> = {}) => runAitbc(args, { env: { ...env, ...extraEnv } });

test('create, fund at genesis, send, balance, history', async () => {
  const alice = aitbc(['wallet', 'create', 'alice', '--json']);
  assert.equal(alice.status, 0, alice.stderr);
  const aliceAddress = JSON.parse(alice.stdout).address as string;
  const bobAddress = JSON.parse(aitbc(['wallet', 'create', 'bob', '--json']).stdout).address as string;
  assert.match(aitbc(['wallet', 'list']).stdout, /alice\s+ait1.*\nbob\s+ait1/);
  for (const file of readdirSync(join(dir, 'wallets'))) assert.doesNotMatch(readFileSync(join(dir, 'wallets', file), 'utf8'), /secret/i);

  const chainDir = join(dir, 'chain');
  assert.equal(aitbc(['node', 'init', '--data-dir', chainDir, '--chain-id', 'aitbc-wallet', '--block-interval', '100', '--allocate', `${aliceAddress}=100`]).status, 0);
  const port = await freePort();
  const node = (await startAitbc(['node', '--data-dir', chainDir, '--port', String(port)], /RPC on/, { env })).child;
  const nodeUrl = `http://127.0.0.1:${port}`;

  const wrong = aitbc(['wallet', 'send', 'alice', '--to', bobAddress, '--amount', '1', '--node-url', nodeUrl], { AITBC_WALLET_PASSPHRASE: 'wrong' });
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /passphrase/i);

  const passphraseFile = join(dir, 'pass.txt');
  writeFileSync(passphraseFile, 'correct horse battery staple\n');
  const sent = aitbc(['wallet', 'send', 'alice', '--to', bobAddress, '--amount', '12.5', '--memo', 'rent', '--node-url', nodeUrl, '--passphrase-file', passphraseFile], { AITBC_WALLET_PASSPHRASE: '' });
  assert.equal(sent.status, 0, sent.stderr);
  assert.match(sent.stdout, /^[0-9a-f]{64} pending: 12\.5 AITBC/);

  let balance = '';
  for (let i = 0; i < 100 && !balance.includes('12.5 AITBC'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    balance = aitbc(['wallet', 'balance', 'bob', '--node-url', nodeUrl]).stdout;
  }
  assert.match(balance, /: 12\.5 AITBC \(nonce 0\)/);
  assert.match(aitbc(['wallet', 'balance', aliceAddress, '--node-url', nodeUrl]).stdout, /: 87\.499 AITBC \(nonce 1\)/);
  assert.match(aitbc(['wallet', 'history', 'bob', '--node-url', nodeUrl]).stdout, new RegExp(`in\\s+12\\.5\\s+${aliceAddress}\\s+rent`));
  assert.equal(await stopWith(node), 0);
});
