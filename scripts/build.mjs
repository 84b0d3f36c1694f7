// Builds what runs without a TypeScript loader: every package's JavaScript and declarations
// (`tsc -b`, incremental: a second run with nothing changed takes a few seconds), the SQL
// migrations beside the code that applies them, and the web app. `npm ci` runs it (the root
// `prepare`), and so does `npm test` before its tests, so the `aitbc` command the tests start is
// always the one its sources describe.
//   node scripts/build.mjs [--no-web]
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const run = (command, args) => {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

run(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-b', 'tsconfig.build.json']);

// tsc copies no SQL: each package's src/**/migrations/ goes to the same place under dist/.
const copyMigrations = (src, dist) => {
  for (const name of readdirSync(src)) {
    const from = join(src, name);
    if (!statSync(from).isDirectory()) continue;
    if (name === 'migrations') cpSync(from, join(dist, name), { recursive: true });
    else copyMigrations(from, join(dist, name));
  }
};
for (const pkg of readdirSync(join(root, 'packages'))) {
  const src = join(root, 'packages', pkg, 'src');
  if (statSync(join(root, 'packages', pkg, 'tsconfig.build.json'), { throwIfNoEntry: false })) copyMigrations(src, join(root, 'packages', pkg, 'dist'));
}

if (!process.argv.includes('--no-web')) run('npm', ['run', 'build', '-w', '@aitbc/web']);
