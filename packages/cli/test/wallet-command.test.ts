// `aitbc wallet` as a person uses it: create an encrypted wallet, get funded at genesis, send a
// transfer through a running node, see balances and history; a wrong passphrase sends nothing;
// bond a miner key and unbond it.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64urlEncode } from '@aitbc/protocol';
import { loadOrCreateKeyFile } from '@aitbc/protocol/node';
import { runAitbc, startAitbc, stopWith } from '@aitbc/testkit/processes';
import { freePort, until } from '@aitbc/testkit';

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

  const wrong = aitbc(['wallet', 'send', 'alice', '--to', bobAddress, '--amount', '1', '--node-url', nodeUrl, '--yes'], { AITBC_WALLET_PASSPHRASE: 'wrong' });
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /passphrase/i);

  const passphraseFile = join(dir, 'pass.txt');
  writeFileSync(passphraseFile, 'correct horse battery staple\n');
  const sent = aitbc(['wallet', 'send', 'alice', '--to', bobAddress, '--amount', '12.5', '--memo', 'rent', '--node-url', nodeUrl, '--passphrase-file', passphraseFile, '--yes'], { AITBC_WALLET_PASSPHRASE: '' });
  assert.equal(sent.status, 0, sent.stderr);
  assert.match(sent.stdout, /^[0-9a-f]{64} pending: 12\.5 AITBC from ait1\w+ to ait1\w+, fee 0\.001 AITBC/);

  let balance = '';
  for (let i = 0; i < 100 && !balance.includes('12.5 AITBC'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    balance = aitbc(['wallet', 'balance', 'bob', '--node-url', nodeUrl]).stdout;
  }
  assert.match(balance, /: 12\.5 AITBC \(nonce 0\)/);
  assert.match(aitbc(['wallet', 'balance', aliceAddress, '--node-url', nodeUrl]).stdout, /: 87\.499 AITBC \(nonce 1\)/);
  assert.match(aitbc(['wallet', 'history', 'bob', '--node-url', nodeUrl]).stdout, new RegExp(`in\\s+12\\.5\\s+${aliceAddress}\\s+rent`));
  // The sender's history gives the time of the block and the fee it paid.
  const history = aitbc(['wallet', 'history', 'alice', '--node-url', nodeUrl]).stdout;
  const tx = (await (await fetch(`${nodeUrl}/rpc/txs/${sent.stdout.slice(0, 64)}`)).json()) as { block_height: number };
  const block = (await (await fetch(`${nodeUrl}/rpc/blocks/${tx.block_height}`)).json()) as { header: { timestamp: number } };
  const when = new Date(block.header.timestamp).toISOString().slice(0, 19).replace('T', ' ');
  assert.match(history, /^time \(UTC\)\s+block\s+direction\s+amount\s+fee\s+counterparty\s+memo\s+tx\n/);
  assert.match(history, new RegExp(`${when}Z\\s+${tx.block_height}\\s+out\\s+12\\.5\\s+0\\.001\\s+${bobAddress}\\s+rent`));
  assert.equal(await stopWith(node), 0);
});

test('bond a miner key from its key file, see it bonded, unbond it and see the release height', async () => {
  const miner = JSON.parse(aitbc(['wallet', 'create', 'payout', '--json']).stdout).address as string;
  const minerKeyFile = join(dir, 'miner', 'miner-key.json');
  const minerKey = base64urlEncode(loadOrCreateKeyFile(minerKeyFile).publicKey);
  const chainDir = join(dir, 'bond-chain');
  const init = aitbc(['node', 'init', '--data-dir', chainDir, '--chain-id', 'aitbc-bond', '--block-interval', '100', '--allocate', `${miner}=100`, '--unbonding-delay-blocks', '5', '--slash-amount', '20']);
  assert.equal(init.status, 0, init.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(chainDir, 'genesis.json'), 'utf8')).unbonding_delay_blocks, 5);
  const port = await freePort();
  const node = (await startAitbc(['node', '--data-dir', chainDir, '--port', String(port)], /RPC on/, { env })).child;
  const nodeUrl = `http://127.0.0.1:${port}`;
  const balanceOf = () => aitbc(['wallet', 'balance', 'payout', '--node-url', nodeUrl]).stdout;

  const bonded = aitbc(['wallet', 'bond', 'payout', '30', '--miner-key', minerKeyFile, '--node-url', nodeUrl]);
  assert.equal(bonded.status, 0, bonded.stderr);
  assert.match(bonded.stdout, new RegExp(`pending: 30 AITBC bonded on miner key ${minerKey}`));
  await until(() => /bonded 30\n/.test(balanceOf()), 'the bond in a block');
  assert.match(balanceOf(), /: 69\.999 AITBC \(nonce 1\); bonded 30\n/);

  const unbonded = aitbc(['wallet', 'unbond', 'payout', '12', '--miner-key', minerKey, '--node-url', nodeUrl, '--json']);
  assert.equal(unbonded.status, 0, unbonded.stderr);
  await until(() => /unbonding 12\n/.test(balanceOf()), 'the unbond in a block');
  const bonds = (await (await fetch(`${nodeUrl}/rpc/bonds/${miner}`)).json()) as { bonds: { items: { amount: string }[] }; unbondings: { items: { id: string; amount: string; release_height: number }[] } };
  const tx = (await (await fetch(`${nodeUrl}/rpc/txs/${JSON.parse(unbonded.stdout).hash}`)).json()) as { block_height: number };
  assert.deepEqual(bonds.bonds.items.map((bond) => bond.amount), ['18']);
  assert.deepEqual(bonds.unbondings.items, [{ id: JSON.parse(unbonded.stdout).hash, miner_key: minerKey, address: miner, amount: '12', release_height: tx.block_height + 5 }]);

  const tooMuch = aitbc(['wallet', 'unbond', 'payout', '19', '--miner-key', minerKey, '--node-url', nodeUrl]);
  assert.equal(tooMuch.status, 1);
  assert.match(tooMuch.stderr, /CHAIN_TX_UNBOND_EXCEEDS_BOND/);
  const badKey = aitbc(['wallet', 'bond', 'payout', '1', '--miner-key', 'nope', '--node-url', nodeUrl]);
  assert.equal(badKey.status, 1);
  assert.match(badKey.stderr, /neither a key file nor a public key/);
  assert.equal(await stopWith(node), 0);
});
