// Slashing with evidence: a coordinator's slash of a bonded miner key, checked from the receipts
// alone, is applied identically on every node of a three-authority chain; forged evidence, a
// signer that is not a genesis coordinator and a double slash are refused at admission, and a
// block carrying one is refused on import; a slash while unbonding takes from the unbonding;
// the RPC shows bonds, unbondings and slashes with their evidence.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, formatAmount, generateKeyPair, hashText, parseAmount, type KeyPair } from '@aitbc/protocol';
import { BlockRejectedError, TxRejectedError } from '../src/errors.ts';
import type { Genesis } from '../src/genesis.ts';
import type { ChainNode } from '../src/node.ts';
import { buildRpc } from '../src/rpc.ts';
import type { ChainStore } from '../src/store/chain-store.ts';
import { proposerForSlot, slotOf } from '../src/consensus.ts';
import { signTx, type SignedTx } from '../src/tx.ts';
import { runReceipt, sealedBlock, slashTx, type SlashParts } from './evidence.ts';
import { AuthorityNetwork } from './network.ts';

const authorities = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
const coordinator = generateKeyPair();
const cheaterWallet = generateKeyPair();
const verifierWallet = generateKeyPair();
const client = addressFromPublicKey(generateKeyPair().publicKey);
const [cheatKey, honestKey1, honestKey2, honestKey3] = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()];
const address = (pair: KeyPair) => addressFromPublicKey(pair.publicKey);
const key = (pair: KeyPair) => base64urlEncode(pair.publicKey);
const SUPPLY = '2000';
const genesis: Genesis = {
  chain_id: 'aitbc-slash',
  genesis_time: 1_764_000_000_000,
  block_interval_ms: 100,
  authorities: authorities.map(key),
  coordinators: [key(coordinator)],
  allocations: [
    { address: address(cheaterWallet), amount: '1000' },
    { address: address(verifierWallet), amount: '500' },
    { address: address(coordinator), amount: '500' },
  ],
  unbonding_delay_blocks: 4,
  slash_amount: '10.000001',
};
const chainId = genesis.chain_id;

/** The cheater's receipt says "wrong"; two honest miners' say "right". honestKey2 has no bond. */
function evidence(overrides: Partial<SlashParts> = {}): SlashParts {
  const receipt = runReceipt({ chainId, miner: cheatKey, coordinator, output: 'wrong' });
  const references = [honestKey1, honestKey2].map((miner) => ({ receipt: runReceipt({ chainId, miner, coordinator, output: 'right' }), key: miner }));
  return { minerKey: cheatKey, receipt, references, beneficiary: client, ...overrides };
}

const send = (node: ChainNode, from: KeyPair, body: Record<string, unknown>) =>
  node.submit(signTx({ chain_id: chainId, fee: '0', nonce: node.balanceOf(address(from)).nonce + node.pending().filter((tx) => tx.body.from === address(from)).length, ...body } as never, from.secretKey));
const nextNonce = (node: ChainNode, from: KeyPair) => node.balanceOf(address(from)).nonce + node.pending().filter((tx) => tx.body.from === address(from)).length;

function supply(store: ChainStore): string {
  let total = 0n;
  for (const account of store.allAccounts().values()) total += account.balance;
  for (const bond of store.allBonds()) total += bond.amount;
  for (const entry of store.allUnbondings()) total += entry.amount;
  return formatAmount(total);
}

/** A network where the cheater bonded 50 on cheatKey and the verifier 20 on honestKey1 (and 20 on honestKey3). */
function bondedNetwork(): AuthorityNetwork {
  const network = new AuthorityNetwork(genesis, authorities);
  const [node] = network.nodes;
  send(node!, cheaterWallet, { type: 'bond', amount: '50', miner_key: key(cheatKey) });
  send(node!, verifierWallet, { type: 'bond', amount: '20', miner_key: key(honestKey1) });
  send(node!, verifierWallet, { type: 'bond', amount: '20', miner_key: key(honestKey3) });
  network.flush();
  network.settle();
  return network;
}

const refusal = (code: string, context: object, field?: string) => (error: unknown) => {
  assert.ok(error instanceof TxRejectedError, String(error));
  assert.deepEqual([error.code, error.context], [code, context], error.message);
  if (field) assert.equal(error.field, field, error.message);
  return true;
};

test('a slash with valid evidence is applied identically on all three authorities, the split exact and the supply conserved', async () => {
  const network = bondedNetwork();
  const parts = evidence();
  network.nodes[1]!.submit(slashTx(chainId, parts, coordinator, 0));
  network.flush();
  network.settle();
  const roots = new Set(network.nodes.map((node) => node.head().header.state_root));
  assert.equal(roots.size, 1, 'the same state root everywhere');
  // 10.000001 taken: 5.000000 to the verifiers' half, 2.5 per reference key; honestKey2 has no
  // bond, so its share and the odd µAIT go to the client: 5.000001 + 2.5.
  for (const node of network.nodes) {
    assert.deepEqual(node.store.bondTotals(address(cheaterWallet)), { bonded: parseAmount('39.999999'), unbonding: 0n });
    assert.equal(node.balanceOf(client).balance, '7.500001');
    assert.equal(node.balanceOf(address(verifierWallet)).balance, '462.5');
    assert.equal(supply(node.store), SUPPLY);
  }
  const slash = network.nodes[2]!.store.receiptSlash(parts.receipt.receipt_id)!;
  assert.deepEqual(
    slash.payouts.map((payout) => [payout.address, formatAmount(payout.amount), payout.role]),
    [[client, '7.500001', 'beneficiary'], [address(verifierWallet), '2.5', 'verifier']],
  );

  const rpc = await buildRpc(network.nodes[0]!);
  try {
    const view = (await rpc.inject({ url: `/rpc/slashes/${parts.receipt.receipt_id}` })).json();
    assert.deepEqual([view.amount, view.from_bond, view.from_unbonding, view.bond_address, view.coordinator_key], ['10.000001', '10.000001', '0', address(cheaterWallet), key(coordinator)]);
    assert.deepEqual(view.evidence.receipt, parts.receipt, 'the evidence is served as signed');
    assert.deepEqual(view.evidence.references.map((reference: { receipt_id: string }) => reference.receipt_id), parts.references.map((reference) => reference.receipt.receipt_id));
    const bonds = (await rpc.inject({ url: `/rpc/bonds/${address(cheaterWallet)}` })).json();
    assert.deepEqual([bonds.bonded, bonds.unbonding, bonds.bonds.items, bonds.slashes.items[0].receipt_id, bonds.slashes.next], ['39.999999', '0', [{ miner_key: key(cheatKey), address: address(cheaterWallet), amount: '39.999999' }], parts.receipt.receipt_id, null]);
    const account = (await rpc.inject({ url: `/rpc/accounts/${address(cheaterWallet)}` })).json();
    assert.deepEqual([account.bonded, account.unbonding], ['39.999999', '0']);
    // Paged: the verifier's two bonds one at a time.
    const first = (await rpc.inject({ url: `/rpc/bonds/${address(verifierWallet)}?limit=1` })).json();
    const second = (await rpc.inject({ url: `/rpc/bonds/${address(verifierWallet)}?limit=1&bonds_after=${encodeURIComponent(first.bonds.next)}` })).json();
    assert.deepEqual([first.bonds.items.length, second.bonds.items.length, second.bonds.next], [1, 1, null]);
    assert.deepEqual([first.bonds.items[0].miner_key, second.bonds.items[0].miner_key].sort(), [key(honestKey1), key(honestKey3)].sort());
    assert.equal((await rpc.inject({ url: '/rpc/slashes/rcpt-00000000000000000000000000000000' })).json().error_code, 'RECEIPT_NOT_FOUND');
    assert.equal((await rpc.inject({ url: `/rpc/bonds/${client}?limit=0` })).json().field, 'limit');
    assert.equal((await rpc.inject({ url: `/rpc/bonds/${client}?slashes_before=x` })).json().field, 'slashes_before');
  } finally {
    await rpc.close();
  }
});

test('forged evidence is refused, each with its code and the receipt at fault', () => {
  const network = bondedNetwork();
  const node = network.nodes[0]!;
  const stranger = generateKeyPair();
  const submit = (parts: SlashParts, signer = coordinator, extra = {}) => () => node.submit(slashTx(chainId, parts, signer, nextNonce(node, signer), extra));
  const good = evidence();
  const ref1 = good.references[0]!;

  assert.throws(submit(good, stranger), refusal('CHAIN_TX_NOT_COORDINATOR', {}, 'body.public_key'));

  const bySlashedKey = { receipt: runReceipt({ chainId, miner: cheatKey, coordinator, output: 'right', minerId: 'same-miner' }), key: cheatKey };
  assert.throws(submit({ ...good, references: [ref1, bySlashedKey] }), refusal('CHAIN_TX_SLASH_REFERENCES_INSUFFICIENT', { minimum_references: 2 }, 'body.references.1'));
  const twiceByOneKey = { receipt: runReceipt({ chainId, miner: honestKey1, coordinator, output: 'right' }), key: honestKey1 };
  assert.throws(submit({ ...good, references: [ref1, twiceByOneKey] }), refusal('CHAIN_TX_SLASH_REFERENCES_INSUFFICIENT', { minimum_references: 2 }, 'body.references.1'));
  assert.throws(submit({ ...good, references: [ref1] }), refusal('CHAIN_TX_SLASH_REFERENCES_INSUFFICIENT', { minimum_references: 2 }, 'body.references'));

  const otherCoordinator = generateKeyPair();
  const foreignReference = { receipt: runReceipt({ chainId, miner: honestKey2, coordinator: otherCoordinator, output: 'right' }), key: honestKey2 };
  assert.throws(submit({ ...good, references: [ref1, foreignReference] }), refusal('CHAIN_TX_SLASH_BAD_SIGNATURE', { receipt_id: foreignReference.receipt.receipt_id }, 'body.references.1.signatures'));
  const tampered = { ...good.receipt, output_hash: hashText('edited') };
  assert.throws(submit({ ...good, receipt: tampered }), refusal('CHAIN_TX_SLASH_BAD_SIGNATURE', { receipt_id: tampered.receipt_id }, 'body.receipt.receipt_id'));
  const forgedMiner = runReceipt({ chainId, miner: stranger, coordinator, output: 'wrong' });
  assert.throws(submit({ ...good, receipt: forgedMiner }), refusal('CHAIN_TX_SLASH_BAD_SIGNATURE', { receipt_id: forgedMiner.receipt_id }, 'body.receipt.signatures'));

  const otherParams = { receipt: runReceipt({ chainId, miner: honestKey2, coordinator, output: 'right', run: { params_hash: hashText('{"seed":8}') } }), key: honestKey2 };
  assert.throws(submit({ ...good, references: [ref1, otherParams] }), refusal('CHAIN_TX_SLASH_INPUTS_MISMATCH', { receipt_id: otherParams.receipt.receipt_id, receipt_field: 'params_hash' }, 'body.references.1.params_hash'));
  const disagreeing = { receipt: runReceipt({ chainId, miner: honestKey2, coordinator, output: 'right, mostly' }), key: honestKey2 };
  assert.throws(submit({ ...good, references: [ref1, disagreeing] }), refusal('CHAIN_TX_SLASH_REFERENCES_DISAGREE', { receipt_id: disagreeing.receipt.receipt_id }));
  const agreeing = runReceipt({ chainId, miner: cheatKey, coordinator, output: 'right' });
  assert.throws(submit({ ...good, receipt: agreeing }), refusal('CHAIN_TX_SLASH_OUTPUT_AGREES', { receipt_id: agreeing.receipt_id }, 'body.receipt.output_hash'));
  const unbonded = { ...good, minerKey: honestKey2, receipt: runReceipt({ chainId, miner: honestKey2, coordinator, output: 'wrong' }), references: [ref1, { receipt: runReceipt({ chainId, miner: honestKey3, coordinator, output: 'right' }), key: honestKey3 }] };
  assert.throws(submit(unbonded), refusal('CHAIN_TX_SLASH_NOTHING_BONDED', { miner_key: key(honestKey2) }, 'body.miner_key'));

  assert.equal(node.pending().length, 0, 'nothing entered the mempool');
});

test('a receipt is slashed once: a second slash is refused in the same block and in a later one', () => {
  const network = bondedNetwork();
  const node = network.nodes[0]!;
  const parts = evidence();
  node.submit(slashTx(chainId, parts, coordinator, 0));
  // Other references, same receipt: another transaction, refused for the receipt it takes.
  const again = () => node.submit(slashTx(chainId, { ...parts, references: [...parts.references].reverse() }, coordinator, nextNonce(node, coordinator)));
  assert.throws(again, refusal('CHAIN_TX_ALREADY_SLASHED', { receipt_id: parts.receipt.receipt_id }));
  network.flush();
  network.settle();
  assert.throws(again, refusal('CHAIN_TX_ALREADY_SLASHED', { receipt_id: parts.receipt.receipt_id }));
  assert.equal(node.store.bondTotals(address(cheaterWallet)).bonded, parseAmount('39.999999'));
});

test('a slash while unbonding takes from the unbonding entry, and the rest is released at its height', () => {
  const network = bondedNetwork();
  const node = network.nodes[0]!;
  send(node, cheaterWallet, { type: 'unbond', amount: '50', miner_key: key(cheatKey) });
  network.flush();
  network.settle();
  const [entry] = node.store.unbondingsOfKey(key(cheatKey));
  assert.equal(node.store.bond(key(cheatKey)), null);
  const balance = parseAmount(node.balanceOf(address(cheaterWallet)).balance);

  const parts = evidence();
  node.submit(slashTx(chainId, parts, coordinator, 0));
  network.flush();
  network.settle();
  const slash = node.store.receiptSlash(parts.receipt.receipt_id)!;
  assert.deepEqual([formatAmount(slash.from_bond), formatAmount(slash.from_unbonding)], ['0', '10.000001']);
  assert.equal(node.store.unbondingsOfKey(key(cheatKey))[0]?.amount, parseAmount('39.999999'));

  while (node.head().header.height < entry!.release_height) {
    send(node, verifierWallet, { type: 'transfer', to: client, amount: '0.1' });
    network.flush();
    network.settle();
  }
  assert.equal(node.store.bondTotals(address(cheaterWallet)).unbonding, 0n);
  assert.equal(parseAmount(node.balanceOf(address(cheaterWallet)).balance), balance + parseAmount('39.999999'));
  for (const each of network.nodes) assert.equal(supply(each.store), SUPPLY);
});

test('a block carrying an invalid or a repeated slash is refused on import', () => {
  const network = bondedNetwork();
  const node = network.nodes[0]!;
  const head = node.head();
  const timestamp = network.clock + genesis.block_interval_ms;
  const proposer = authorities[genesis.authorities.indexOf(proposerForSlot(slotOf(timestamp, genesis), genesis))]!;
  const refusedOnImport = (txs: SignedTx[], position: number, txCode: string) =>
    assert.throws(() => node.receive(sealedBlock(head, txs, proposer, timestamp)), (error: unknown) => {
      assert.ok(error instanceof BlockRejectedError, String(error));
      assert.deepEqual([error.code, error.context.height, (error.context as { position: number }).position, (error.context as { tx_code: string }).tx_code], ['CHAIN_BLOCK_INVALID_TX', head.header.height + 1, position, txCode], error.message);
      return true;
    });

  const parts = evidence();
  const bySlashedKey = { receipt: runReceipt({ chainId, miner: cheatKey, coordinator, output: 'right' }), key: cheatKey };
  refusedOnImport([slashTx(chainId, { ...parts, references: [parts.references[0]!, bySlashedKey] }, coordinator, 0)], 0, 'CHAIN_TX_SLASH_REFERENCES_INSUFFICIENT');
  const twice = [slashTx(chainId, parts, coordinator, 0), slashTx(chainId, { ...parts, references: [...parts.references].reverse() }, coordinator, 1)];
  refusedOnImport(twice, 1, 'CHAIN_TX_ALREADY_SLASHED');
  assert.equal(node.head().hash, head.hash, 'nothing was imported');
  assert.equal(node.store.receiptSlash(parts.receipt.receipt_id), null);
});
