// Digests an operator names for an OpenAI-compatible server: given, or hashed from a weights file.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashModelFile, normalizeDigest, operatorDigests } from '../../src/backends/model-digest.ts';
import { OpenAiBackend } from '../../src/backends/openai.ts';

const dir = mkdtempSync(join(tmpdir(), 'aitbc-digest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a weights file is hashed whole, across many read chunks', async () => {
  // 3.5 MiB: several 1 MiB chunks and a partial one.
  const bytes = randomBytes(3.5 * 1024 * 1024);
  const path = join(dir, 'model.gguf');
  writeFileSync(path, bytes);
  assert.equal(await hashModelFile(path), `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
});

test('--model-digest and --model-file become one digest per model; mistakes are refused with the flag named', async () => {
  const path = join(dir, 'small.gguf');
  writeFileSync(path, 'weights');
  const hex = 'AB'.repeat(32);
  const digests = await operatorDigests([`llama3.2:8b=sha256:${hex}`, `bare=${'cd'.repeat(32)}`], [`qwen=${path}`]);
  assert.deepEqual(digests, {
    'llama3.2:8b': `sha256:${hex.toLowerCase()}`,
    bare: `sha256:${'cd'.repeat(32)}`,
    qwen: `sha256:${createHash('sha256').update('weights').digest('hex')}`,
  });
  await assert.rejects(operatorDigests(['llama3.2'], []), /--model-digest wants model=value/);
  await assert.rejects(operatorDigests(['m=sha256:abc'], []), /not sha256: and 64 hex digits/);
  await assert.rejects(operatorDigests([`m=${'ab'.repeat(32)}`], [`m=${path}`]), /already has a digest/);
  await assert.rejects(operatorDigests([], [`m=${join(dir, 'missing.gguf')}`]), /ENOENT/);
  assert.equal(normalizeDigest('md5:abc'), undefined);
});

test('the openai backend reports exactly the digests it was given', async () => {
  const digests = { m: `sha256:${'ef'.repeat(32)}` };
  assert.deepEqual(await new OpenAiBackend({ baseUrl: 'http://127.0.0.1:9/v1', digests }).modelDigests(), digests);
  assert.deepEqual(await new OpenAiBackend({ baseUrl: 'http://127.0.0.1:9/v1' }).modelDigests(), {});
});
