// A wallet people can recover: `wallet create` prints its recovery phrase once; `wallet restore`
// rebuilds the same key from it, on another machine (another wallet directory), and the restored
// wallet signs a transfer the chain accepts and makes final. Weak passphrases and bad phrases are
// refused with what to do; the node comes from `.aitbc/devnet.json` unless AITBC_NODE_URL or --node-url
// says otherwise; without a terminal, `send` needs --yes.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@aitbc/protocol';
import { Wallet } from '@aitbc/sdk/chain';
import { startTestChain, type TestChain } from '@aitbc/testkit/chain';
import { execAitbc } from '@aitbc/testkit/processes';

const dir = mkdtempSync(join(tmpdir(), 'aitbc-recovery-'));
const PASS = 'correct horse battery staple';
const { AITBC_NODE_URL: _node, AITBC_RECOVERY_PHRASE: _phrase, ...outside } = process.env;
const env = { ...outside, AITBC_WALLET_DIR: join(dir, 'laptop'), AITBC_WALLET_PASSPHRASE: PASS };
// Asynchronous: the chain node runs in this process and must answer while a command waits.
const aitbc = (args: string[], extraEnv: Record<string, string> = {}, cwd?: string) => execAitbc(args, { env: { ...env, ...extraEnv }, cwd });

let chain: TestChain;
let phrase = '';
let address = '';

before(async () => {
  const created = await aitbc(['wallet', 'create', 'savings']);
  assert.equal(created.status, 0, created.stderr);
  const words = [...created.stdout.matchAll(/\d+\. ([a-z]+)/g)].map((match) => match[1]);
  assert.equal(words.length, 12, created.stdout);
  phrase = words.join(' ');
  address = /^savings: (ait1\w+)$/m.exec(created.stdout)![1]!;
  assert.match(created.stdout, /write these words down/);
  chain = await startTestChain({ coordinator: generateKeyPair(), allocations: [{ address, amount: '50' }], chainId: 'aitbc-recovery' });
});
after(async () => {
  await chain?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the phrase printed at create restores the same address, from a file or the environment', async () => {
  // The phrase is the SDK's derivation: any wallet software with it finds the same key.
  assert.equal(Wallet.fromMnemonic(phrase).address, address);
  const phraseFile = join(dir, 'phrase.txt');
  writeFileSync(phraseFile, phrase.split(' ').slice(0, 6).join(' ') + '\n' + phrase.split(' ').slice(6).join('  ') + '\n');
  const restored = await aitbc(['wallet', 'restore', 'savings', '--phrase-file', phraseFile, '--json'], { AITBC_WALLET_DIR: join(dir, 'new-laptop') });
  assert.equal(restored.status, 0, restored.stderr);
  assert.deepEqual(JSON.parse(restored.stdout), { name: 'savings', address });
  const fromEnv = await aitbc(['wallet', 'restore', 'again'], { AITBC_WALLET_DIR: join(dir, 'third'), AITBC_RECOVERY_PHRASE: phrase.toUpperCase() });
  assert.equal(fromEnv.status, 0, fromEnv.stderr);
  assert.equal(fromEnv.stdout, `again: ${address} (restored)\n`);
});

test('the restored wallet signs a transfer the chain accepts; --wait reports its final block', async () => {
  const bob = Wallet.fromMnemonic(JSON.parse((await aitbc(['wallet', 'create', 'bob', '--json'])).stdout).recovery_phrase).address;
  const sent = await aitbc(['wallet', 'send', 'savings', '--to', bob, '--amount', '7.25', '--fee', '0.01', '--yes', '--wait', '--node-url', chain.url], { AITBC_WALLET_DIR: join(dir, 'new-laptop') });
  assert.equal(sent.status, 0, sent.stderr);
  const [, hash, height, blockHash] = /^([0-9a-f]{64}) pending: 7\.25 AITBC from ait1\w+ to ait1\w+, fee 0\.01 AITBC\nfinal in block (\d+) \(([0-9a-f]{64})\) at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\n$/.exec(sent.stdout) ?? [];
  assert.ok(hash, sent.stdout);
  const tx = (await (await fetch(`${chain.url}/rpc/txs/${hash}`)).json()) as { block_height: number; final: boolean; body: { from: string } };
  assert.deepEqual([tx.block_height, tx.final, tx.body.from], [Number(height), true, address]);
  assert.equal(((await (await fetch(`${chain.url}/rpc/blocks/${height}`)).json()) as { hash: string }).hash, blockHash);
  assert.equal(chain.balance(bob), 7_250_000n);
});

test('a weak passphrase is refused on create, restore and import, saying what would do; nothing is written', async () => {
  const weakDir = join(dir, 'weak');
  const keyFile = join(dir, 'key.hex');
  writeFileSync(keyFile, '11'.repeat(32));
  const phraseFile = join(dir, 'phrase-weak.txt');
  writeFileSync(phraseFile, phrase);
  for (const args of [['create', 'w'], ['restore', 'w', '--phrase-file', phraseFile], ['import', 'w', '--secret-key-file', keyFile]]) {
    const refused = await aitbc(['wallet', ...args], { AITBC_WALLET_DIR: weakDir, AITBC_WALLET_PASSPHRASE: 'x' });
    assert.equal(refused.status, 2, args.join(' '));
    assert.match(refused.stderr, /too weak: it has 1 character\. Use at least 12 characters, at least 6 of them different; four or more random words/);
  }
  const repeated = await aitbc(['wallet', 'create', 'w', '--json'], { AITBC_WALLET_DIR: weakDir, AITBC_WALLET_PASSPHRASE: 'abababababababab' });
  assert.equal(repeated.status, 2);
  assert.match(JSON.parse(repeated.stdout).detail, /only 2 different characters/);
  assert.equal(JSON.parse(repeated.stdout).error_code, 'CLI_USAGE');
  assert.equal(existsSync(weakDir) && readdirSync(weakDir).length > 0, false);
});

test('a mistyped phrase is refused naming the word; nothing is written', async () => {
  const words = phrase.split(' ');
  const typo = join(dir, 'typo.txt');
  writeFileSync(typo, [...words.slice(0, 2), 'zzzz', ...words.slice(3)].join(' '));
  const refused = await aitbc(['wallet', 'restore', 'typo', '--phrase-file', typo], { AITBC_WALLET_DIR: join(dir, 'typo') });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /word 3 \("zzzz"\) is not in the BIP-39 English word list/);
  assert.equal(existsSync(join(dir, 'typo')), false);
});

test("every wallet command finds the node in devnet.json; AITBC_NODE_URL and --node-url come first", async () => {
  const project = join(dir, 'project');
  mkdirSync(join(project, '.aitbc'), { recursive: true });
  writeFileSync(join(project, '.aitbc', 'devnet.json'), JSON.stringify({ chain_url: chain.url }));
  const balance = await aitbc(['wallet', 'balance', address], {}, project);
  assert.equal(balance.status, 0, balance.stderr);
  assert.match(balance.stdout, new RegExp(`^${address}: \\d+\\.?\\d* AITBC`));
  assert.equal((await aitbc(['wallet', 'history', address, '--json'], {}, project)).status, 0);

  const deadNode = 'http://127.0.0.1:9';
  for (const run of [await aitbc(['wallet', 'balance', address], { AITBC_NODE_URL: deadNode }, project), await aitbc(['wallet', 'balance', address, '--node-url', deadNode], {}, project)]) {
    assert.equal(run.status, 6, 'network: nothing answers there');
    assert.match(run.stderr, /127\.0\.0\.1:9.*start a node \(aitbc node or aitbc devnet\) or point --node-url/);
  }
});

test('without a terminal, send refuses unless --yes, naming it; nothing is sent', async () => {
  const before = chain.balance(address);
  const refused = await aitbc(['wallet', 'send', 'savings', '--to', address, '--amount', '1', '--node-url', chain.url], { AITBC_WALLET_DIR: join(dir, 'new-laptop') });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /amount\s+1 AITBC\n\s+fee\s+0\.001 AITBC\n\s+total\s+1\.001 AITBC/);
  assert.match(refused.stderr, /no terminal to ask .* pass --yes to go ahead without asking/);
  assert.deepEqual(((await (await fetch(`${chain.url}/rpc/mempool`)).json()) as { transactions: unknown[] }).transactions, []);
  assert.equal(chain.balance(address), before);
  const badRecipient = await aitbc(['wallet', 'send', 'savings', '--to', 'bc1qnotours', '--amount', '1', '--yes'], { AITBC_WALLET_DIR: join(dir, 'new-laptop') });
  assert.equal(badRecipient.status, 2);
  assert.match(badRecipient.stderr, /--to "bc1qnotours" is not an ait1… address/);
});
