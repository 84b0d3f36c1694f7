// `aitbc account` and `aitbc keys create|revoke` (admin).

import { Command, Option } from 'commander';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import { action, printJson } from '../output.ts';
import { integerIn } from '../options.ts';

export function accountCommand(): Command {
  const account = withConnection(new Command('account'))
    .action(
      action(async (flags: ConnectionFlags) => {
        const balance = await connect(flags).account.get();
        if (flags.json) return printJson(balance);
        const withdrawing = balance.withdrawing && balance.withdrawing !== '0' ? `, ${balance.withdrawing} withdrawing` : '';
        // What the client may still get back with `aitbc job dispute`, while the windows last.
        const disputable = balance.disputable && balance.disputable !== '0' ? `; ${balance.disputable} AITBC of completed jobs still disputable (aitbc job dispute <id>)` : '';
        process.stdout.write(`${balance.account}: ${balance.available} AITBC available, ${balance.escrowed} escrowed${withdrawing}${disputable}\n`);
      }),
    );
  account.addCommand(
    withConnection(new Command('withdraw'))
      .description('withdraw available AITBC to an ait1… address (the coordinator must run with a chain)')
      .requiredOption('--to <address>', 'ait1… address')
      .requiredOption('--amount <aitbc>', 'amount in AITBC, e.g. 2.5')
      .action(
        action(async (flags: ConnectionFlags & { to: string; amount: string }) => {
          const withdrawal = await connect(flags).account.withdraw({ to: flags.to, amount: flags.amount });
          if (flags.json) return printJson(withdrawal);
          process.stdout.write(`withdrawal ${withdrawal.withdrawal_id}: ${withdrawal.amount} AITBC to ${withdrawal.to} ${withdrawal.status}; ${withdrawal.available} AITBC still available\n`);
        }),
      ),
  );
  return account;
}

export function keysCommand(): Command {
  const keys = new Command('keys');
  keys.addCommand(
    withConnection(new Command('create'))
      .description('create a key; it is shown once')
      .requiredOption('--scopes <list>', 'comma-separated: client, miner, admin')
      .option('--account <name>', 'the balance the key spends from')
      .option('--expires-at <time>', 'RFC 3339 expiry')
      .addOption(new Option('--rate-limit <per-minute>', 'requests per minute').argParser(integerIn(1, 1_000_000)))
      .addOption(new Option('--daily-quota <jobs>', 'submits per UTC day').argParser(integerIn(1, 100_000_000)))
      .action(
        action(async (flags: ConnectionFlags & { scopes: string; account?: string; expiresAt?: string; rateLimit?: number; dailyQuota?: number }) => {
          const created = await connect(flags, 'admin').admin.createKey({
            scopes: flags.scopes.split(',').map((scope) => scope.trim()),
            ...(flags.account ? { account: flags.account } : {}),
            ...(flags.expiresAt ? { expires_at: flags.expiresAt } : {}),
            ...(flags.rateLimit ? { rate_limit_per_minute: flags.rateLimit } : {}),
            ...(flags.dailyQuota ? { daily_job_quota: flags.dailyQuota } : {}),
          });
          if (flags.json) return printJson(created);
          process.stdout.write(`${created.key_id} (${created.scopes.join(', ')}, account ${created.account})\nkey: ${created.key}\nstore it now: it is not shown again\n`);
        }),
      ),
  );
  keys.addCommand(
    withConnection(new Command('revoke'))
      .argument('<key-id>')
      .description('revoke a key')
      .action(
        action(async (keyId: string, flags: ConnectionFlags) => {
          await connect(flags, 'admin').admin.revokeKey(keyId);
          process.stdout.write(`${keyId} revoked\n`);
        }),
      ),
  );
  return keys;
}
