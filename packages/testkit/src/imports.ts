// Whether an entry point loads in a browser: walks its whole import graph, our sources and the
// packages they import alike, and lists every Node built-in (`node:fs`, `crypto`, …) met on the
// way, imported or required. The browser-safety tests of @aitbc/protocol/wire and @aitbc/sdk/chain use it.

import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const BUILTINS = new Set(builtinModules);

export interface ImportGraph {
  /** file: URLs of every module loaded. */
  files: string[];
  /** "importer → specifier" of every Node built-in met. */
  nodeOnly: string[];
}

/** The import graph of the module at `entry` (a file: URL, e.g. from import.meta.resolve). */
export function importGraph(entry: string): ImportGraph {
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
      // Packages resolve from the workspace's node_modules (Node ignores resolve's parent argument), where npm hoists them.
      queue.push(specifier.startsWith('.') ? new URL(specifier, url).href : import.meta.resolve(specifier));
    }
  }
  return { files: [...seen], nodeOnly };
}
