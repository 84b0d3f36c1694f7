// `aitbc coordinator`: runs the job marketplace HTTP API on a SQLite file;
// `aitbc coordinator check-ledger` audits that file's books and exits non-zero on any problem.

import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { DEFAULT_CONFIG, SqliteStore, auditView, startCoordinator } from '@aitbc/coordinator';
import { commaList, integerIn } from '../options.ts';

interface CoordinatorFlags {
  port: number;
  host: string;
  db: string;
  keyFile?: string;
  adminKey?: string;
  maxPromptChars: number;
  models: string[];
  minerTimeout: number;
  leaseSeconds: number;
  chainId: string;
  defaultRateLimit?: number;
  maxInFlight: number;
  maxEventLoopDelay: number;
  logLevel: string;
}

export function coordinatorCommand(): Command {
  return new Command('coordinator')
    .description('Run the coordinator: the job marketplace HTTP API')
    .argument('[task]', "'check-ledger': audit the database's books instead of serving")
    .addOption(new Option('--port <port>', 'TCP port to listen on').env('PORT').default(8080).argParser(integerIn(0, 65535)))
    .addOption(new Option('--host <host>', 'address to bind').env('AITBC_HOST').default('127.0.0.1'))
    .addOption(new Option('--db <path>', 'SQLite database file (created if missing)').env('AITBC_DB').default('./.aitbc/coordinator.db'))
    .addOption(new Option('--key-file <path>', "the coordinator's receipt co-signing key (made on first start; default: beside --db)").env('AITBC_KEY_FILE'))
    .addOption(new Option('--admin-key <key>', 'bootstrap admin key (scope admin); generated and printed when not given').env('AITBC_ADMIN_KEY'))
    .addOption(
      new Option('--max-prompt-chars <n>', 'longest prompt accepted, in characters').env('AITBC_MAX_PROMPT_CHARS').default(DEFAULT_CONFIG.maxPromptChars).argParser(integerIn(1, 10_000_000)),
    )
    .addOption(new Option('--models <list>', 'comma-separated models accepted even with no miner online').env('AITBC_MODELS').default([]).argParser(commaList))
    .addOption(
      new Option('--miner-timeout <seconds>', 'seconds without a heartbeat before a miner is offline')
        .env('AITBC_MINER_TIMEOUT')
        .default(DEFAULT_CONFIG.minerTimeoutSeconds)
        .argParser(integerIn(1, 86_400)),
    )
    .addOption(
      new Option('--lease-seconds <seconds>', 'how long a claim lives without a heartbeat').env('AITBC_LEASE_SECONDS').default(DEFAULT_CONFIG.leaseSeconds).argParser(integerIn(1, 86_400)),
    )
    .addOption(new Option('--chain-id <id>', 'chain the receipts settle on').env('AITBC_CHAIN_ID').default(DEFAULT_CONFIG.chainId))
    .addOption(new Option('--default-rate-limit <per-minute>', 'requests per minute for keys created without a limit (default: none)').env('AITBC_DEFAULT_RATE_LIMIT').argParser(integerIn(1, 1_000_000)))
    .addOption(new Option('--max-in-flight <n>', 'shed load above this many requests in flight (long-polls not counted)').env('AITBC_MAX_IN_FLIGHT').default(DEFAULT_CONFIG.maxInFlight).argParser(integerIn(1, 1_000_000)))
    .addOption(
      new Option('--max-event-loop-delay <ms>', 'shed load when the event loop lags more than this')
        .env('AITBC_MAX_EVENT_LOOP_DELAY')
        .default(DEFAULT_CONFIG.maxEventLoopDelayMs)
        .argParser(integerIn(1, 600_000)),
    )
    .addOption(new Option('--log-level <level>', 'JSON log level').env('AITBC_LOG_LEVEL').default('info').choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent']))
    .action(async (task: string | undefined, flags: CoordinatorFlags, command: Command) => {
      const dbPath = resolve(flags.db);
      if (task === 'check-ledger') return checkLedger(dbPath);
      if (task !== undefined) command.error(`error: unknown task '${task}'; the only task is check-ledger`);
      const adminKey = flags.adminKey ?? `aitbc_admin_${randomBytes(24).toString('base64url')}`;
      const running = await startCoordinator({
        port: flags.port,
        host: flags.host,
        dbPath,
        keyFile: resolve(flags.keyFile ?? join(dirname(dbPath), 'coordinator-key.json')),
        logger: { level: flags.logLevel },
        config: {
          adminKey,
          maxPromptChars: flags.maxPromptChars,
          models: flags.models,
          minerTimeoutSeconds: flags.minerTimeout,
          leaseSeconds: flags.leaseSeconds,
          chainId: flags.chainId,
          defaultRateLimitPerMinute: flags.defaultRateLimit ?? null,
          maxInFlight: flags.maxInFlight,
          maxEventLoopDelayMs: flags.maxEventLoopDelay,
        },
      });
      const lines = [
        `AITBC coordinator listening on ${running.url}  (API docs: ${running.url}/docs)`,
        `database: ${dbPath}`,
        flags.adminKey ? 'admin key: the one given by --admin-key / AITBC_ADMIN_KEY' : `admin key (generated for this run; pass --admin-key to fix one): ${adminKey}`,
      ];
      process.stderr.write(lines.join('\n') + '\n');
      const shutdown = (signal: string) => {
        process.stderr.write(`${signal}: shutting down\n`);
        running.close().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`shutdown failed: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}

async function checkLedger(dbPath: string): Promise<void> {
  if (!existsSync(dbPath)) {
    process.stderr.write(`no coordinator database at ${dbPath}; pass --db\n`);
    process.exitCode = 2;
    return;
  }
  const store = new SqliteStore({ path: dbPath });
  try {
    const audit = auditView(await store.auditLedger());
    const { totals } = audit;
    process.stdout.write(
      `${audit.jobs} jobs; credited ${totals.credited} = available ${totals.available} + escrowed ${totals.escrowed} + earned ${totals.earned} + claimed ${totals.claimed} AITBC\n`,
    );
    for (const problem of audit.problems) process.stdout.write(`PROBLEM: ${problem}\n`);
    process.stdout.write(audit.ok ? 'ledger OK\n' : `ledger has ${audit.problems.length} problem(s)\n`);
    process.exitCode = audit.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}
