// The wire entry (@aitbc/protocol/wire) must load in a browser: the web app imports it. This walks
// its whole import graph, our sources and the packages they import (typebox) alike, and fails on
// any Node built-in (`node:fs`, `crypto`, …) on the way, imported or required (the walk is testkit's).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importGraph as walk } from '@aitbc/testkit/imports';

test('the wire entry and everything it imports load without Node built-ins', () => {
  const graph = walk(import.meta.resolve('@aitbc/protocol/wire'));
  assert.ok(graph.files.some((file) => file.includes('/typebox/')), 'the walk follows bare imports into packages');
  assert.ok(graph.files.some((file) => file.endsWith('/wire/chain/transactions.ts')), 'the walk reaches the chain schemas');
  assert.deepEqual(graph.nodeOnly, []);
});

test('the walk finds a Node built-in where there is one', () => {
  const graph = walk(import.meta.resolve('@aitbc/protocol/node'));
  assert.ok(graph.nodeOnly.some((edge) => edge.includes('→ node:')), 'node.ts imports node: modules');
});
