// Key files (key-file.ts): made once, kept, and made once even when several processes start on
// the same missing file at the same moment (coordinators sharing a database share their key).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base64urlEncode } from './encoding.ts';
import { loadOrCreateKeyFile } from './key-file.ts';

const KEY_FILE_MODULE = fileURLToPath(new URL('./key-file.ts', import.meta.url));

/** A separate Node process that loads (or makes) the key file at `startAt` (epoch ms) and prints its public key. */
function keyInProcess(path: string, startAt: number): Promise<string> {
  const script = `const { loadOrCreateKeyFile } = await import(${JSON.stringify(KEY_FILE_MODULE)}); const { base64urlEncode } = await import(${JSON.stringify(fileURLToPath(new URL('./encoding.ts', import.meta.url)))}); await new Promise((resolve) => setTimeout(resolve, ${startAt} - Date.now())); process.stdout.write(base64urlEncode(loadOrCreateKeyFile(${JSON.stringify(path)}).publicKey));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`)))));
}

test('a key file is made once, owner-only, and read back the same', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'keys', 'coordinator-key.json');
  const made = loadOrCreateKeyFile(path);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(base64urlEncode(loadOrCreateKeyFile(path).publicKey), base64urlEncode(made.publicKey));
  assert.deepEqual(readdirSync(join(dir, 'keys')), ['coordinator-key.json'], 'no draft left behind');
});

test('processes starting together on one missing key file all get the one key made', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'coordinator-key.json');
  // They load their code first, then all reach for the file at the same moment.
  const startAt = Date.now() + 3_000;
  const keys = await Promise.all(Array.from({ length: 4 }, () => keyInProcess(path, startAt)));
  assert.equal(new Set(keys).size, 1, `one key: ${keys.join(', ')}`);
  assert.equal(keys[0], base64urlEncode(loadOrCreateKeyFile(path).publicKey));
  assert.deepEqual(readdirSync(dir), ['coordinator-key.json'], 'no draft left behind');
});
