// `aitbc coordinator`: runs the job marketplace HTTP API on a SQLite file, or on a PostgreSQL
// database that several coordinator processes share (--database-url);
// `aitbc coordinator check-ledger` audits that database's books and exits non-zero on any problem.

import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ChainService, DEFAULT_CONFIG, DEFAULT_VERIFICATION, auditLedger, auditView, chainAdminView, describeLocation, openStore, resolveConfig, startCoordinator, type CoordinatorStore, type StoreLocation } from '@aitbc/coordinator';
import { formatAmount, parseAmount } from '@aitbc/protocol';
import { loadOrCreateKeyFile } from '@aitbc/protocol/node';
import { amountOrZero, commaList, corsOriginsOption, integerIn, positiveAmount, share } from '../options.ts';

interface CoordinatorFlags {
  port: number;
  host: string;
  db: string;
  databaseUrl?: string;
  keyFile?: string;
  adminKey?: string;
  maxPromptChars: number;
  models: string[];
  minerTimeout: number;
  leaseSeconds: number;
  chainId: string;
  chainUrl?: string;
  redisUrl?: string;
  sharedNamespace: string;
  settleInterval: number;
  minBond: string;
  openaiMaxPrice: string;
  defaultRateLimit?: number;
  maxInFlight: number;
  maxEventLoopDelay: number;
  requestTimeout: number;
  maxStreamBytes?: number;
  acceptanceWindow: number;
  reexecutionRate: number;
  canaryRate: number;
  probationJobs: number;
  probationReexecutionRate: number;
  probationCanaryRate: number;
  canariesToResume: number;
  verificationAccount: string;
  trustedMiners: string[];
  logLevel: string;
  corsOrigins: string[];
}

/** The verification ladder's flags (README "Verified work"): rates are shares from 0 to 1. */
function verificationOptions(): Option[] {
  const rate = (flag: string, env: string, description: string, value: number) => new Option(`${flag} <share>`, description).env(env).default(value).argParser(share);
  const v = DEFAULT_VERIFICATION;
  return [
    rate('--reexecution-rate', 'AITBC_REEXECUTION_RATE', "share of a miner's client jobs re-run by another owner's miner (past probation)", v.reexecutionRate),
    rate('--canary-rate', 'AITBC_CANARY_RATE', "share of a miner's completed jobs followed by a canary (past probation)", v.canaryRate),
    new Option('--probation-jobs <n>', 'a miner is on probation for its first this many completed jobs (again after a pause)').env('AITBC_PROBATION_JOBS').default(v.probationJobs).argParser(integerIn(0, 1_000_000)),
    rate('--probation-reexecution-rate', 'AITBC_PROBATION_REEXECUTION_RATE', 'the re-execution rate on probation', v.probationReexecutionRate),
    rate('--probation-canary-rate', 'AITBC_PROBATION_CANARY_RATE', 'the canary rate on probation', v.probationCanaryRate),
    new Option('--canaries-to-resume <n>', 'canaries in a row a paused miner passes to work again (after its first failed check)')
      .env('AITBC_CANARIES_TO_RESUME')
      .default(v.canariesToResume)
      .argParser(integerIn(0, 1_000)),
    new Option('--verification-account <account>', 'the account that pays canaries and sampled re-executions (fund it)').env('AITBC_VERIFICATION_ACCOUNT').default(v.account),
    new Option('--trusted-miners <list>', "comma-separated miner ids never checked, whose client jobs become canaries (the operator's own)").env('AITBC_TRUSTED_MINERS').default([]).argParser(commaList),
  ];
}

/** A namespace is spliced into Redis keys and LISTEN channel names: letters, digits and underscores only. */
function namespace(value: string): string {
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(value)) throw new InvalidArgumentError('use 1–31 lowercase letters, digits or underscores, starting with a letter');
  return value;
}

export function coordinatorCommand(): Command {
  const program = new Command('coordinator')
    .argument('[task]', "'check-ledger': audit the database's books instead of serving")
    .addOption(new Option('--port <port>', 'TCP port to listen on').env('PORT').default(8080).argParser(integerIn(0, 65535)))
    .addOption(new Option('--host <host>', 'address to bind').env('AITBC_HOST').default('127.0.0.1'))
    .addOption(new Option('--db <path>', 'SQLite database file (created if missing)').env('AITBC_DB').default('./.aitbc/coordinator.db'))
    .addOption(
      new Option('--database-url <url>', 'PostgreSQL database (postgres://user:password@host:port/name) instead of --db: several coordinator processes may share it')
        .env('AITBC_DATABASE_URL')
        .conflicts('db'),
    )
    .addOption(new Option('--key-file <path>', "the coordinator's receipt co-signing key (made on first start; default: beside --db). Coordinators sharing a database must share it").env('AITBC_KEY_FILE'))
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
    .addOption(new Option('--chain-url <url>', 'RPC URL of a chain node: credit deposits, settle receipts, allow withdrawals (check-ledger: compare with the chain)').env('AITBC_CHAIN_URL'))
    .addOption(
      new Option('--settle-interval <seconds>', 'settle once the oldest unsettled receipt has waited this long (or 500 receipts wait)')
        .env('AITBC_SETTLE_INTERVAL')
        .default(DEFAULT_CONFIG.settleWaitMs / 1000)
        .argParser(integerIn(0, 86_400)),
    )
    .addOption(
      new Option('--min-bond <aitbc>', "AITBC a miner must have bonded on chain (on its key, from its payout address) to get work; a miner's open jobs' max prices may not pass its bond (0: off)")
        .env('AITBC_MIN_BOND')
        .default(formatAmount(DEFAULT_CONFIG.minBondMicro))
        .argParser(amountOrZero),
    )
    .addOption(
      new Option('--openai-max-price <aitbc>', 'what an OpenAI-compatible request may cost (escrowed) when it sends no max_price')
        .env('AITBC_OPENAI_MAX_PRICE')
        .default(DEFAULT_CONFIG.openAiMaxPrice)
        .argParser(positiveAmount),
    )
    .addOption(new Option('--default-rate-limit <per-minute>', 'requests per minute for keys created without a limit (default: none)').env('AITBC_DEFAULT_RATE_LIMIT').argParser(integerIn(1, 1_000_000)))
    .addOption(new Option('--max-in-flight <n>', 'shed load above this many requests in flight (long-polls not counted)').env('AITBC_MAX_IN_FLIGHT').default(DEFAULT_CONFIG.maxInFlight).argParser(integerIn(1, 1_000_000)))
    .addOption(
      new Option('--max-event-loop-delay <ms>', 'shed load when the event loop lags more than this')
        .env('AITBC_MAX_EVENT_LOOP_DELAY')
        .default(DEFAULT_CONFIG.maxEventLoopDelayMs)
        .argParser(integerIn(1, 600_000)),
    )
    .addOption(
      new Option('--request-timeout <seconds>', 'time a client has to send a whole request, body included (a slower upload is cut)')
        .env('AITBC_REQUEST_TIMEOUT')
        .default(DEFAULT_CONFIG.requestTimeoutMs / 1000)
        // Node refuses a request timeout below the 10 s headers timeout.
        .argParser(integerIn(10, 3_600)),
    )
    .addOption(
      new Option('--max-stream-bytes <bytes>', 'UTF-8 bytes one job may stream to a waiting client (default: the 4 MiB body limit)').env('AITBC_MAX_STREAM_BYTES').argParser(integerIn(1, 1024 ** 3)),
    )
    .addOption(
      new Option('--acceptance-window <seconds>', "how long after completion a client may dispute a job; the miner's earnings are held until then (clients may shorten it per job)")
        .env('AITBC_ACCEPTANCE_WINDOW')
        .default(DEFAULT_CONFIG.acceptanceWindowSeconds)
        .argParser(integerIn(0, 30 * 86_400)),
    )
    .addOption(new Option('--redis-url <url>', 'Redis shared by several coordinators on one database: rate limits, waking miners, relaying streams (redis://…)').env('AITBC_REDIS_URL'))
    .addOption(
      new Option('--shared-namespace <name>', "prefix of this marketplace's Redis keys and bus channels: two marketplaces sharing one Redis (or PostgreSQL server) need different ones")
        .env('AITBC_SHARED_NAMESPACE')
        .default(DEFAULT_CONFIG.sharedNamespace)
        .argParser(namespace),
    )
    .addOption(corsOriginsOption())
    .addOption(new Option('--log-level <level>', 'JSON log level').env('AITBC_LOG_LEVEL').default('info').choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent']));
  for (const option of verificationOptions()) program.addOption(option);
  return program.action(async (task: string | undefined, flags: CoordinatorFlags, command: Command) => {
      const dbPath = resolve(flags.db);
      const database: StoreLocation = flags.databaseUrl ? { engine: 'postgres', url: flags.databaseUrl } : { engine: 'sqlite', path: dbPath };
      const keyFile = resolve(flags.keyFile ?? join(dirname(dbPath), 'coordinator-key.json'));
      if (task === 'check-ledger') return checkLedger(database, flags.chainUrl ? { url: flags.chainUrl, keyFile, chainId: flags.chainId } : null);
      if (task !== undefined) command.error(`error: unknown task '${task}'; the only task is check-ledger`);
      const adminKey = flags.adminKey ?? `aitbc_admin_${randomBytes(24).toString('base64url')}`;
      const running = await startCoordinator({
        port: flags.port,
        host: flags.host,
        database,
        keyFile,
        logger: { level: flags.logLevel },
        config: {
          adminKey,
          maxPromptChars: flags.maxPromptChars,
          models: flags.models,
          minerTimeoutSeconds: flags.minerTimeout,
          leaseSeconds: flags.leaseSeconds,
          chainId: flags.chainId,
          chainUrl: flags.chainUrl ?? null,
          redisUrl: flags.redisUrl,
          sharedNamespace: flags.sharedNamespace,
          settleWaitMs: flags.settleInterval * 1000,
          minBondMicro: parseAmount(flags.minBond),
          openAiMaxPrice: flags.openaiMaxPrice,
          defaultRateLimitPerMinute: flags.defaultRateLimit ?? null,
          maxInFlight: flags.maxInFlight,
          maxEventLoopDelayMs: flags.maxEventLoopDelay,
          requestTimeoutMs: flags.requestTimeout * 1000,
          maxStreamBytes: flags.maxStreamBytes ?? null,
          acceptanceWindowSeconds: flags.acceptanceWindow,
          corsOrigins: flags.corsOrigins,
          verification: {
            reexecutionRate: flags.reexecutionRate,
            canaryRate: flags.canaryRate,
            probationJobs: flags.probationJobs,
            probationReexecutionRate: flags.probationReexecutionRate,
            probationCanaryRate: flags.probationCanaryRate,
            canariesToResume: flags.canariesToResume,
            account: flags.verificationAccount,
            trustedMiners: new Set(flags.trustedMiners),
          },
        },
      });
      const lines = [
        `AITBC coordinator listening on ${running.url}  (web app: ${running.url}/, API docs: ${running.url}/docs)`,
        flags.corsOrigins.length > 0 ? `CORS: browsers may call from ${flags.corsOrigins.join(', ')}` : 'CORS: off (pass --cors-origins to let web pages on other origins call this API)',
        `database: ${describeLocation(database)}`,
        running.services.chain
          ? `chain: ${flags.chainUrl} (${running.services.chain.status}); clearing address ${running.services.chain.clearingAddress}: deposits with memo = account name are credited once final`
          : 'chain: none (pass --chain-url to credit deposits and settle receipts on chain)',
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

async function checkLedger(database: StoreLocation, chain: { url: string; keyFile: string; chainId: string } | null): Promise<void> {
  if (database.engine === 'sqlite' && !existsSync(database.path)) {
    process.stderr.write(`no coordinator database at ${database.path}; pass --db or --database-url\n`);
    process.exitCode = 2;
    return;
  }
  const store = await openStore(database);
  try {
    const audit = auditView(auditLedger(await store.ledgerSnapshot()));
    const { totals } = audit;
    process.stdout.write(
      `${audit.jobs} job${audit.jobs === 1 ? '' : 's'}; credited ${totals.credited} = available ${totals.available} + escrowed ${totals.escrowed}${totals.held === '0' ? '' : ` + held ${totals.held}`} + earned ${totals.earned} + claimed ${totals.claimed}${totals.withdrawing === '0' ? '' : ` + withdrawing ${totals.withdrawing}`} AITBC\n`,
    );
    for (const problem of audit.problems) process.stdout.write(`PROBLEM: ${problem}\n`);
    process.stdout.write(audit.ok ? 'ledger OK\n' : `ledger has ${audit.problems.length} problem(s)\n`);
    const chainOk = chain ? await checkAgainstChain(store, chain) : true;
    process.exitCode = audit.ok && chainOk ? 0 : 1;
  } finally {
    await store.close();
  }
}

/** The clearing address's balance on chain against the books; false (and says why) when they differ. */
async function checkAgainstChain(store: CoordinatorStore, chain: { url: string; keyFile: string; chainId: string }): Promise<boolean> {
  if (!existsSync(chain.keyFile)) {
    process.stdout.write(`PROBLEM: no coordinator key at ${chain.keyFile}, so no clearing address to check; pass --key-file\n`);
    return false;
  }
  const quiet = { info() {}, warn() {}, error() {} };
  const service = new ChainService(store, resolveConfig({ chainUrl: chain.url, chainId: chain.chainId }), loadOrCreateKeyFile(chain.keyFile).secretKey, quiet);
  const view = await chainAdminView(service);
  if (view.on_chain_balance === null || !view.books) {
    process.stdout.write(`PROBLEM: ${view.chain_problem ?? `the chain node at ${chain.url} cannot be reached`}\n`);
    return false;
  }
  const { books } = view;
  process.stdout.write(
    `chain: clearing ${view.clearing_address} holds ${view.on_chain_balance} AITBC at block ${view.on_chain_height}, the last final block read; books: available ${books.available} + escrowed ${books.escrowed} + unsettled earnings ${books.unsettled_earnings} + pending withdrawals ${books.pending_withdrawals} + unmatched deposits ${books.unmatched_deposits} = ${books.total} AITBC\n`,
  );
  for (const entry of view.outbox.filter((row) => row.state === 'failed')) process.stdout.write(`PAYMENT_FAILED: ${entry.kind} ${entry.outbox_id} (${entry.amount} AITBC): ${entry.error}\n`);
  if (view.difference === '0') {
    process.stdout.write('chain OK\n');
    return true;
  }
  const inFlight = view.outbox.filter((row) => row.state === 'pending' || row.state === 'sent').length;
  const why = [books.admin_credits !== '0' ? `admin credits of ${books.admin_credits} AITBC never came from the chain` : '', inFlight > 0 ? `${inFlight} transaction(s) in flight: run again` : ''].filter(Boolean).join('; ');
  process.stdout.write(`PROBLEM: the chain holds ${view.difference} AITBC more than the books${why ? ` (${why})` : ''}\n`);
  return false;
}
