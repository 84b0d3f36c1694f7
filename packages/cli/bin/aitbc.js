#!/usr/bin/env node
// The `aitbc` command: the CLI's compiled JavaScript (scripts/build.mjs, run by `npm ci`), so it
// starts without compiling anything.
try {
  await import('../dist/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('/cli/dist/main.js')) throw error;
  console.error('aitbc is not built: run `npm ci` (or `npm run build`) at the repository root.');
  process.exitCode = 1;
}
