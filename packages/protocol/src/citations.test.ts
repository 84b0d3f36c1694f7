// Every relative file path a comment of the sources cites must exist in the repository, so that
// citations of the contract documents (docs/API.md, docs/RECEIPTS.md, docs/seed/…) and of other
// modules cannot rot again. A path is looked up beside the citing file, from its package's root
// and from the repository's root; a bare file name may be anywhere in the citing file's package
// (so a document is cited by its path: docs/API.md). Files made at run time are written under
// their folder (`.aitbc/devnet.json`), which is not a citation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { REPO_ROOT, repoFiles } from '../test/repo-sources.ts';

const SOURCE_FOLDERS = ['packages', 'e2e', 'bench', 'examples', 'scripts'];
const SOURCE_ENDINGS = ['.ts', '.mjs', '.js', '.sql', '.circom', '.sol'];

/** The text of a file's comments: `//` to the end of the line (not `://`), `/* … *\/` blocks, and `--` lines in SQL. */
export function commentsOf(file: string, text: string): string[] {
  if (file.endsWith('.sql')) return [...text.matchAll(/--(.*)$/gm)].map((match) => match[1]!);
  const comments = [...text.matchAll(/\/\*[\s\S]*?\*\//g)].map((match) => match[0]);
  for (const match of text.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/(?<![:\\])\/\/(.*)$/gm)) comments.push(match[1]!);
  return comments;
}

/** Relative file paths in a comment: words ending in a source or document extension, not part of a URL or an absolute path. */
export function citedPaths(comment: string): string[] {
  const pattern = /(?<![\w/.@:*$-])((?:\.{1,2}\/)*(?:[\w@-][\w.@-]*\/)*[\w-][\w.-]*\.(?:md|ts|mjs|js|json|sql|circom|sol))(?![\w/])/g;
  return [...comment.matchAll(pattern)].map((match) => match[1]!);
}

function exists(citingFile: string, cited: string): boolean {
  const packageRoot = /^(?:packages\/[^/]+|[^/]+)\//.exec(citingFile)?.[0] ?? '.';
  const inRepo = (base: string) => {
    const path = resolve(REPO_ROOT, base, cited);
    return path.startsWith(REPO_ROOT) && existsSync(path); // never a folder beside the repository
  };
  if ([dirname(citingFile), packageRoot, '.'].some(inRepo)) return true;
  return !cited.includes('/') && repoFiles([packageRoot], ['/' + cited]).length > 0;
}

test('finds citations in comments, not in URLs or code', () => {
  assert.deepEqual(commentsOf('a.ts', "const url = 'http://x/y.json'; // see docs/API.md\n/* and docs/RECEIPTS.md */"), ['/* and docs/RECEIPTS.md */', ' see docs/API.md']);
  assert.deepEqual(citedPaths('see docs/API.md, `errors.test.ts`, /openapi.json, http://h/a.md, *.test.ts and ../shared/DESIGN.md.'), ['docs/API.md', 'errors.test.ts', '../shared/DESIGN.md']);
  assert.deepEqual(commentsOf('m.sql', 'CREATE TABLE t (a INTEGER); -- see 001_init.sql\n'), [' see 001_init.sql']);
});

test('every relative file path cited in a comment of the sources exists', () => {
  const missing: string[] = [];
  let cited = 0;
  for (const file of repoFiles(SOURCE_FOLDERS, SOURCE_ENDINGS)) {
    for (const comment of commentsOf(file, readFileSync(join(REPO_ROOT, file), 'utf8'))) {
      for (const path of citedPaths(comment)) {
        cited++;
        if (!exists(file, path)) missing.push(`${file} cites ${path}`);
      }
    }
  }
  assert.ok(cited >= 30, `found ${cited} citations`);
  assert.deepEqual(missing, []);
});
