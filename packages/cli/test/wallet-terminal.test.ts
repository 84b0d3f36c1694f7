// `aitbc wallet send` at a real terminal (a pseudo-terminal from util-linux `script`): it shows the
// amount, fee and recipient and asks; `n` (or just Enter) sends nothing, `y` sends.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@aitbc/protocol';
import { until } from '@aitbc/testkit';
import { startTestChain, type TestChain } from '@aitbc/testkit/chain';
import { inTerminal, execAitbc } from '@aitbc/testkit/processes';

const dir = mkdtempSync(join(tmpdir(), 'aitbc-wallet-tty-'));
const env = { ...process.env, AITBC_WALLET_DIR: join(dir, 'wallets'), AITBC_WALLET_PASSPHRASE: 'correct horse battery staple' };
const bob = 'ait1yfp6cw3yrz9j0ela503c97tq4hce8h8eqjhjwc';
let chain: TestChain;
let alice = '';

before(async () => {
  const created = await execAitbc(['wallet', 'create', 'alice', '--json'], { env });
  assert.equal(created.status, 0, created.stderr);
  alice = JSON.parse(created.stdout).address;
  chain = await startTestChain({ coordinator: generateKeyPair(), allocations: [{ address: alice, amount: '10' }], chainId: 'aitbc-tty' });
});
after(async () => {
  await chain?.close();
  rmSync(dir, { recursive: true, force: true });
});

const send = () => inTerminal(['wallet', 'send', 'alice', '--to', bob, '--amount', '2.5', '--fee', '0.01', '--memo', 'lunch', '--node-url', chain.url], { env });
const question = `Send 2.5 AITBC to ${bob}? [y/N] `;

test('the transfer is shown and asked about; n sends nothing', async () => {
  const terminal = send();
  try {
    await until(() => terminal.screen().includes(question), 'the question');
    const screen = terminal.screen();
    for (const line of [`from    alice (${alice})`, `to      ${bob}`, 'amount  2.5 AITBC', 'fee     0.01 AITBC', 'total   2.51 AITBC', 'memo    lunch']) assert.ok(screen.includes(line), `${line}\n${screen}`);
    terminal.type('n\r');
    assert.equal(await terminal.exited, 1, terminal.screen());
    assert.match(terminal.screen(), /Nothing sent\./);
    assert.deepEqual(((await (await fetch(`${chain.url}/rpc/mempool`)).json()) as { transactions: unknown[] }).transactions, []);
    assert.equal(chain.balance(bob), 0n);
    assert.equal(chain.balance(alice), 10_000_000n);
  } finally {
    terminal.kill();
  }
});

test('y sends it', async () => {
  const terminal = send();
  try {
    await until(() => terminal.screen().includes(question), 'the question');
    terminal.type('y\r');
    assert.equal(await terminal.exited, 0, terminal.screen());
    assert.match(terminal.screen(), /[0-9a-f]{64} pending: 2\.5 AITBC from ait1\w+ to ait1\w+, fee 0\.01 AITBC/);
    await until(() => chain.balance(bob) === 2_500_000n, 'the transfer in a block');
    assert.equal(chain.balance(alice), 7_490_000n);
  } finally {
    terminal.kill();
  }
});
