// @aitbc/sdk/chain must load in a browser, where wallets sign: its whole import graph (our sources
// and every package they import) holds no Node built-in and nothing of @aitbc/chain, the node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importGraph } from '@aitbc/testkit/imports';

test('the chain entry and everything it imports load without Node built-ins or the node package', () => {
  const graph = importGraph(import.meta.resolve('@aitbc/sdk/chain'));
  for (const reached of ['/@scure/bip39/', '/micro-key-producer/slip10.js', '/protocol/src/tx-sign.ts', '/sdk/src/transport.ts']) {
    assert.ok(graph.files.some((file) => file.includes(reached)), `the walk reaches ${reached}`);
  }
  assert.deepEqual(graph.nodeOnly, []);
  assert.deepEqual(graph.files.filter((file) => file.includes('/packages/chain/')), []);
});

test('the walk names the node package\'s files as the first test looks for them', () => {
  // @aitbc/chain's own tx module: what the entry would reach if it imported the node package for signing.
  const graph = importGraph(new URL('../../../chain/src/tx.ts', import.meta.url).href);
  assert.ok(graph.files.some((file) => file.includes('/packages/chain/')));
});
