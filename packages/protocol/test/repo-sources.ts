// The repository's own files, for tests that check the sources against the documents (error
// codes, cited paths): the root, and every source file under some folders.

import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const SKIPPED = new Set(['node_modules', 'dist', 'coverage']);

/** Repository-relative paths of the files under `folders` whose names end in one of `endings` (`/name` for an exact name). */
export function repoFiles(folders: string[], endings: string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (SKIPPED.has(name) || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (endings.some((ending) => `/${name}`.endsWith(ending))) found.push(relative(REPO_ROOT, path));
    }
  };
  for (const folder of folders) {
    const path = join(REPO_ROOT, folder);
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) walk(path);
  }
  return found.sort();
}
