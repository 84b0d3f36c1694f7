// `aitbc receipt prove` and `aitbc receipt verify-proof` as a user runs them, on a receipt file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { receiptPublicSignals } from '@aitbc/protocol/zk';
import { cosignedReceipt } from './fixtures.ts';

const AITBC = fileURLToPath(new URL('../../cli/bin/aitbc.js', import.meta.url));
const aitbc = (...args: string[]) => spawnSync(process.execPath, [AITBC, 'receipt', ...args], { encoding: 'utf8', env: { ...process.env, AITBC_URL: 'http://127.0.0.1:9' } });

test('prove a receipt file, then verify the proof against that receipt and not another', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-zk-cli-'));
  try {
    const receipt = cosignedReceipt();
    const receiptFile = join(dir, 'receipt.json');
    const otherFile = join(dir, 'other.json');
    const proofFile = join(dir, 'proof.json');
    writeFileSync(receiptFile, JSON.stringify(receipt));
    writeFileSync(otherFile, JSON.stringify(cosignedReceipt()));

    const proved = aitbc('prove', receiptFile, '--out', proofFile);
    assert.equal(proved.status, 0, proved.stderr);
    assert.match(proved.stdout, new RegExp(`${receipt.receipt_id}: proof written to`));
    assert.deepEqual(JSON.parse(readFileSync(proofFile, 'utf8')).public_signals, receiptPublicSignals(receipt));

    const verified = aitbc('verify-proof', proofFile, '--receipt', receiptFile);
    assert.equal(verified.status, 0, verified.stderr + verified.stdout);
    assert.match(verified.stdout, /verified \(groth16, receipt\)/);

    const mismatched = aitbc('verify-proof', proofFile, '--receipt', otherFile, '--json');
    assert.equal(mismatched.status, 1);
    assert.deepEqual(JSON.parse(mismatched.stdout).checks.map((check: { ok: boolean }) => check.ok), [true, false]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
