// `aitbc receipt show|verify|prove|verify-proof`: read a receipt, check it with pinned keys (the
// miner's registered key and the coordinator's published key — never a key inside the receipt),
// and make or check a zero-knowledge proof of it. Proving needs the optional GPL package
// @aitbc/zk, loaded only here; checking a proof is MIT code (@aitbc/protocol's verifyGroth16).

import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { validateReceiptShape, type ReceiptCheck, type Receipt } from '@aitbc/protocol';
import { receiptPublicSignals, verifyGroth16, ZK_PUBLIC_SIGNALS, type Groth16Proof, type Groth16VerificationKey } from '@aitbc/protocol/zk';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import { action, printJson, printTable } from '../output.ts';
import { shippedVkeyPath } from '../zk-key.ts';

export function describeVerdict(verdict: { valid: boolean; checks: ReceiptCheck[] }): string {
  if (verdict.valid) return `verified (${verdict.checks.map((check) => check.name).join(', ')}; pinned keys)`;
  return `INVALID: ${verdict.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`).join('; ')}`;
}

export function receiptCommand(): Command {
  const receipt = new Command('receipt');
  receipt.addCommand(
    withConnection(new Command('show'))
      .argument('<receipt-id>')
      .description('print a receipt')
      .action(
        action(async (receiptId: string, flags: ConnectionFlags) => {
          const found = await connect(flags).receipts.get(receiptId);
          if (flags.json) printJson(found);
          else printTable(['field', 'value'], Object.entries(found).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]));
        }),
      ),
  );
  receipt.addCommand(
    withConnection(new Command('verify'))
      .argument('<receipt-id-or-file>', 'a receipt id, or a JSON file holding a receipt')
      .description('check signatures and fields with pinned keys')
      .action(
        action(async (target: string, flags: ConnectionFlags) => {
          const client = connect(flags);
          const found = target.startsWith('rcpt-') ? await client.receipts.get(target) : JSON.parse(readFileSync(target, 'utf8'));
          const verdict = await client.receipts.verify(found);
          if (flags.json) printJson(verdict);
          else process.stdout.write(`${found.receipt_id}: ${describeVerdict(verdict)}\n`);
          if (!verdict.valid) process.exitCode = 1;
        }),
      ),
  );
  receipt.addCommand(
    withConnection(new Command('prove'))
      .argument('<receipt-id-or-file>', 'a receipt id (fetched from the coordinator), or a JSON file holding a receipt')
      .option('--out <file>', 'where to write the proof (default: <receipt-id>.proof.json)')
      .description('write a Groth16 proof that this receipt exists, revealing only its commitment, job id, provider, price and units (needs @aitbc/zk)')
      .action(
        action(async (target: string, flags: ConnectionFlags & { out?: string }) => {
          const found = await loadReceipt(target, flags);
          const zk = await loadZk();
          const started = performance.now();
          const proved = await new zk.Prover().prove(found);
          const ms = performance.now() - started;
          await zk.shutdownProver();
          const out = flags.out ?? `${found.receipt_id}.proof.json`;
          writeFileSync(out, JSON.stringify(proved, null, 2) + '\n');
          if (flags.json) printJson({ file: out, ...proved });
          else process.stdout.write(`${found.receipt_id}: proof written to ${out} in ${ms.toFixed(0)} ms\n${describeSignals(proved.public_signals)}`);
        }),
      ),
  );
  receipt.addCommand(
    withConnection(new Command('verify-proof'))
      .argument('<proof-file>', 'a proof written by `aitbc receipt prove`')
      .option('--receipt <receipt-id-or-file>', 'also require the public signals to be this receipt\'s (commitment, job id, provider, price, units)')
      .option('--vkey <file>', 'verification key (default: the one @aitbc/zk ships, which is also the devnet genesis key)')
      .description('check a receipt proof with the Groth16 verifier (no GPL code)')
      .action(
        action(async (file: string, flags: ConnectionFlags & { receipt?: string; vkey?: string }) => {
          const proved = JSON.parse(readFileSync(file, 'utf8')) as { receipt_id?: string; proof: Groth16Proof; public_signals: string[] };
          const vkey = JSON.parse(readFileSync(flags.vkey ?? defaultVkeyPath(), 'utf8')) as Groth16VerificationKey;
          const checks: ReceiptCheck[] = [];
          const valid = verifyGroth16(vkey, proved.public_signals, proved.proof);
          checks.push({ name: 'groth16', ok: valid, detail: valid ? 'the proof verifies for its public signals' : 'the proof does not verify for its public signals' });
          if (flags.receipt) {
            const found = await loadReceipt(flags.receipt, flags);
            const expected = receiptPublicSignals(found);
            const wrong = ZK_PUBLIC_SIGNALS.filter((_, i) => proved.public_signals[i] !== expected[i]);
            const ok = wrong.length === 0 && proved.public_signals.length === expected.length;
            checks.push({ name: 'receipt', ok, detail: ok ? `the public signals are receipt ${found.receipt_id}'s` : `not receipt ${found.receipt_id}'s: ${wrong.join(', ') || 'signal count'}` });
          }
          const verdict = { valid: checks.every((check) => check.ok), checks };
          if (flags.json) printJson(verdict);
          else process.stdout.write(`${proved.receipt_id ?? file}: ${describeVerdict(verdict).replace('; pinned keys', '')}\n${describeSignals(proved.public_signals)}`);
          if (!verdict.valid) process.exitCode = 1;
        }),
      ),
  );
  return receipt;
}

async function loadReceipt(target: string, flags: ConnectionFlags): Promise<Receipt> {
  const value: unknown = target.startsWith('rcpt-') ? await connect(flags).receipts.get(target) : JSON.parse(readFileSync(target, 'utf8'));
  const shape = validateReceiptShape(value);
  if (!shape.ok) throw new Error(`${target}: ${shape.field || 'receipt'} ${shape.problem}`);
  return shape.receipt;
}

/** The GPL prover, loaded only when asked for, so the command works without it installed. */
async function loadZk(): Promise<typeof import('@aitbc/zk')> {
  try {
    return await import('@aitbc/zk');
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') throw new Error('proving needs the optional package @aitbc/zk (GPL-3.0): install it with `npm install -w packages/zk`, or run from the repository');
    throw error;
  }
}

function defaultVkeyPath(): string {
  const path = shippedVkeyPath();
  if (!path) throw new Error('no --vkey given and @aitbc/zk is not installed to supply its key');
  return path;
}

function describeSignals(signals: string[]): string {
  return ZK_PUBLIC_SIGNALS.map((name, i) => `  ${name.padEnd(10)} ${signals[i] ?? '(missing)'}\n`).join('');
}
