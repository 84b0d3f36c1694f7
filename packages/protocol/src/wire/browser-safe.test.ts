// The wire entry (@aitbc/protocol/wire) must load in a browser: the web app imports it. This walks
// its whole import graph, our sources and the packages they import (typebox) alike, and fails on
// any Node built-in (`node:fs`, `crypto`, …) on the way, imported or required.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const BUILTINS = new Set(builtinModules);

interface Graph {
  files: string[];
  /** "importer → specifier" of every Node built-in met. */
  nodeOnly: string[];
}

function walk(entry: string): Graph {
  const seen = new Set<string>();
  const nodeOnly: string[] = [];
  const queue = [entry];
  while (queue.length > 0) {
    const url = queue.pop()!;
    if (seen.has(url)) continue;
    seen.add(url);
    // Type-only imports vanish when compiled, so they cannot load a module in the browser.
    const text = readFileSync(fileURLToPath(url), 'utf8').replace(/^\s*(?:import|export)\s+type\s[^;]*;/gm, '');
    // TypeScript's scanner lists imports, re-exports, dynamic imports and require() calls, skipping comments and strings.
    for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
      if (specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0]!)) {
        nodeOnly.push(`${url} → ${specifier}`);
        continue;
      }
      // A package resolves from here (Node ignores resolve's parent argument): the wire's packages are this package's dependencies.
      queue.push(specifier.startsWith('.') ? new URL(specifier, url).href : import.meta.resolve(specifier));
    }
  }
  return { files: [...seen], nodeOnly };
}

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
