// A coordinator on a real chain node with a funded wallet, for the bond and slash tests: bonds,
// deposits, and the books checked against the clearing address.

import assert from 'node:assert/strict';
import { after } from 'node:test';
import { addressFromPublicKey, generateKeyPair, parseAmount, type KeyPair } from '@aitbc/protocol';
import { ADMIN_KEY, TestMiner, startTestCoordinator, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { startTestChain, type TestChain } from '@aitbc/testkit/chain';
import { until } from '@aitbc/testkit';
import type { CoordinatorConfig } from '../src/config.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

export const wallet = generateKeyPair();
export const walletAddress = addressFromPublicKey(wallet.publicKey);
const UNBONDING_DELAY_BLOCKS = 10;

export interface BondWorld {
  chain: TestChain;
  coordinator: TestCoordinator;
  key: KeyPair;
  clearing: string;
}

export async function bondWorld(config: Partial<CoordinatorConfig> = {}, chainOptions: { slashAmount?: string } = {}): Promise<BondWorld> {
  const key = generateKeyPair();
  const chain = await startTestChain({ coordinator: key, allocations: [{ address: walletAddress, amount: '10000' }], unbondingDelayBlocks: UNBONDING_DELAY_BLOCKS, ...chainOptions });
  const coordinator = await startTestCoordinator({ chainUrl: chain.url, coordinatorSecretKey: key.secretKey, chainPollMs: 50, settleWaitMs: 0, ...config });
  cleanups.push(async () => {
    await coordinator.close();
    await chain.close();
  });
  return { chain, coordinator, key, clearing: addressFromPublicKey(key.publicKey) };
}

const admin = (w: BondWorld) => w.coordinator.request('GET', '/v1/admin/chain', { key: ADMIN_KEY }).then((answer) => answer.body);

/** Every final block read and nothing in flight; then the clearing address holds exactly the books (no admin credits here), and the audit passes. */
export async function assertBooks(w: BondWorld): Promise<void> {
  const view = await until(async () => {
    const current = await admin(w);
    return current.outbox.every((row: { state: string }) => row.state === 'failed' || row.state === 'duplicate') && current.deposit_cursor > w.chain.node.finalized().height && current;
  }, 'the outbox to drain and every final block to be read');
  assert.equal(view.books.admin_credits, '0');
  assert.equal(view.difference, '0', `clearing ${view.on_chain_balance} = books ${view.books.total}`);
  await w.coordinator.assertLedger();
}

/** A client account funded by a deposit from the wallet. */
export async function fundedClient(w: BondWorld, account: string, amount: string): Promise<string> {
  const key = await w.coordinator.createKey(['client'], { account });
  w.chain.transfer(wallet, w.clearing, amount, account);
  await until(async () => (await w.coordinator.request('GET', '/v1/account', { key })).body.available === amount, `${account} to be credited`);
  return key;
}

/** Gives the miner's payout address (its key's address) AITBC on chain, to bond from. */
export async function fundPayout(w: BondWorld, miner: TestMiner, amount: string): Promise<void> {
  w.chain.transfer(wallet, addressFromPublicKey(miner.keys.publicKey), amount);
  await until(() => w.chain.balance(addressFromPublicKey(miner.keys.publicKey)) >= parseAmount(amount), 'the payout address to be funded');
}

/** Sends a bond or unbond from `from` on the miner's key and waits until the coordinator has read its final block. */
export async function bondTx(w: BondWorld, from: KeyPair, type: 'bond' | 'unbond', miner: TestMiner, amount: string): Promise<void> {
  const hash = w.chain.send(from, { type, amount, miner_key: miner.publicKey });
  await until(async () => {
    const view = await w.coordinator.request('GET', `/v1/admin/chain`, { key: ADMIN_KEY });
    const tx = await (await fetch(`${w.chain.url}/rpc/txs/${hash}`)).json() as { final: boolean; block_height: number | null };
    return tx.final && view.body.deposit_cursor > tx.block_height!;
  }, `the ${type} to be final and read`);
}

export async function registeredMiner(w: BondWorld, minerId: string, maxConcurrency = 1, extra: Record<string, unknown> = {}): Promise<TestMiner> {
  const miner = new TestMiner(w.coordinator, await w.coordinator.createKey(['miner']), minerId, { 'llama3.2': '0.002' }, maxConcurrency);
  assert.equal((await miner.register(extra)).status, 201);
  return miner;
}

