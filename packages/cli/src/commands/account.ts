// `aitbc account` and `aitbc keys create|revoke` (admin).

import { Command, Option } from 'commander';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import { printJson, reportError } from '../output.ts';
import { integerIn } from '../options.ts';

export function accountCommand(): Command {
  return withConnection(new Command('account'))
    .description("your account's available and escrowed AITBC")
    .action((flags: ConnectionFlags) =>
      connect(flags)
        .account.get()
        .then((account) => (flags.json ? printJson(account) : void process.stdout.write(`${account.account}: ${account.available} AITBC available, ${account.escrowed} escrowed\n`)))
        .catch(reportError),
    );
}

export function keysCommand(): Command {
  const keys = new Command('keys').description('create and revoke API keys (needs the admin key)');
  keys.addCommand(
    withConnection(new Command('create'))
      .description('create a key; it is shown once')
      .requiredOption('--scopes <list>', 'comma-separated: client, miner, admin')
      .option('--account <name>', 'the balance the key spends from')
      .option('--expires-at <time>', 'RFC 3339 expiry')
      .addOption(new Option('--rate-limit <per-minute>', 'requests per minute').argParser(integerIn(1, 1_000_000)))
      .addOption(new Option('--daily-quota <jobs>', 'submits per UTC day').argParser(integerIn(1, 100_000_000)))
      .action((flags: ConnectionFlags & { scopes: string; account?: string; expiresAt?: string; rateLimit?: number; dailyQuota?: number }) =>
        connect(flags, 'admin')
          .admin.createKey({
            scopes: flags.scopes.split(',').map((scope) => scope.trim()),
            ...(flags.account ? { account: flags.account } : {}),
            ...(flags.expiresAt ? { expires_at: flags.expiresAt } : {}),
            ...(flags.rateLimit ? { rate_limit_per_minute: flags.rateLimit } : {}),
            ...(flags.dailyQuota ? { daily_job_quota: flags.dailyQuota } : {}),
          })
          .then((created) => (flags.json ? printJson(created) : void process.stdout.write(`${created.key_id} (${created.scopes.join(', ')}, account ${created.account})\nkey: ${created.key}\nstore it now: it is not shown again\n`)))
          .catch(reportError),
      ),
  );
  keys.addCommand(
    withConnection(new Command('revoke'))
      .argument('<key-id>')
      .description('revoke a key')
      .action((keyId: string, flags: ConnectionFlags) =>
        connect(flags, 'admin')
          .admin.revokeKey(keyId)
          .then(() => void process.stdout.write(`${keyId} revoked\n`))
          .catch(reportError),
      ),
  );
  return keys;
}
