// `aitbc receipt show|verify`: read a receipt, and check it with pinned keys (the miner's
// registered key and the coordinator's published key — never a key inside the receipt).

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { ReceiptCheck } from '@aitbc/protocol';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import { printJson, printTable, reportError } from '../output.ts';

export function describeVerdict(verdict: { valid: boolean; checks: ReceiptCheck[] }): string {
  if (verdict.valid) return `verified (${verdict.checks.map((check) => check.name).join(', ')}; pinned keys)`;
  return `INVALID: ${verdict.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`).join('; ')}`;
}

export function receiptCommand(): Command {
  const receipt = new Command('receipt').description('show and verify receipts');
  receipt.addCommand(
    withConnection(new Command('show'))
      .argument('<receipt-id>')
      .description('print a receipt')
      .action((receiptId: string, flags: ConnectionFlags) =>
        connect(flags)
          .receipts.get(receiptId)
          .then((found) => (flags.json ? printJson(found) : printTable(['field', 'value'], Object.entries(found).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]))))
          .catch(reportError),
      ),
  );
  receipt.addCommand(
    withConnection(new Command('verify'))
      .argument('<receipt-id-or-file>', 'a receipt id, or a JSON file holding a receipt')
      .description('check signatures and fields with pinned keys')
      .action(async (target: string, flags: ConnectionFlags) => {
        try {
          const client = connect(flags);
          const found = target.startsWith('rcpt-') ? await client.receipts.get(target) : JSON.parse(readFileSync(target, 'utf8'));
          const verdict = await client.receipts.verify(found);
          if (flags.json) printJson(verdict);
          else process.stdout.write(`${found.receipt_id}: ${describeVerdict(verdict)}\n`);
          if (!verdict.valid) process.exitCode = 1;
        } catch (error) {
          reportError(error);
        }
      }),
  );
  return receipt;
}
