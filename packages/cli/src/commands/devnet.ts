// `aitbc devnet`: the whole system in one command — a one-authority chain, a coordinator settling
// on it, one miner (the built-in `demo` model by default) paid on chain, a demo client funded by a
// real deposit, and ./.aitbc/devnet.json with the URLs and keys. Restarting keeps the data;
// Ctrl-C stops everything cleanly.

import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { loadOrCreateKeyFile } from '@aitbc/protocol/node';
import { DEFAULT_VERIFICATION, startCoordinator } from '@aitbc/coordinator';
import { MinerDaemon, createBackend, detectGpu } from '@aitbc/miner';
import { AitbcClient, AuthenticationError } from '@aitbc/sdk';
import { randomBytes } from 'node:crypto';
import { addressFromPublicKey } from '@aitbc/protocol';
import { DEFAULT_DATA_DIR, readDevnetFile, writeDevnetFile, type DevnetFile } from '../devnet-file.ts';
import { depositOnce, startDevnetChain, type DevnetChain } from '../devnet-chain.ts';
import { corsOriginsOption, integerIn } from '../options.ts';

const DEMO_ACCOUNT = 'demo';
/** What the demo client deposits (once) from its wallet, which genesis gives twice that. */
const DEMO_FUNDS = '1000';
/**
 * What the same wallet deposits (once) for the verification account, which pays canaries and
 * sampled re-executions: at the demo miner's price about ten thousand checks of short jobs.
 */
const VERIFICATION_FUNDS = '100';
const DEMO_WALLET_FUNDS = '2000';
/** Settle receipts about two seconds after they are made: a snappy demo, still batched. */
const DEVNET_SETTLE_WAIT_MS = 2_000;
/**
 * No acceptance window by default: the demo's receipts settle on chain within seconds. Pass
 * --acceptance-window to try disputes (earnings are then held, and settle, after the window).
 */
const DEVNET_ACCEPTANCE_WINDOW_S = 0;
/** How long Ctrl-C lets the miner's running jobs finish. */
const DEVNET_MINER_GRACE_MS = 1_000;

interface DevnetFlags {
  dataDir: string;
  port: number;
  chainPort: number;
  blockInterval: number;
  miner: 'demo' | 'ollama';
  ollamaUrl?: string;
  logLevel: string;
  acceptanceWindow: number;
  corsOrigins: string[];
}

export function devnetCommand(): Command {
  return new Command('devnet')
    .addOption(new Option('--data-dir <dir>', 'where the databases, keys and devnet.json live').default(DEFAULT_DATA_DIR))
    .addOption(new Option('--port <port>', 'coordinator port').env('PORT').default(8080).argParser(integerIn(0, 65535)))
    .addOption(new Option('--chain-port <port>', 'chain node RPC port').env('AITBC_NODE_PORT').default(8545).argParser(integerIn(0, 65535)))
    .addOption(new Option('--block-interval <ms>', 'milliseconds between blocks while there is work (first start only: it goes into genesis)').default(500).argParser(integerIn(50, 600_000)))
    .addOption(new Option('--miner <backend>', "the miner's model server: 'demo' (built-in, not an LLM) or 'ollama' (a local Ollama)").choices(['demo', 'ollama']).default('demo'))
    .addOption(new Option('--ollama-url <url>', 'Ollama URL').default('http://127.0.0.1:11434'))
    .addOption(
      new Option('--acceptance-window <seconds>', "how long clients may dispute a completed job (earnings are held, then settled); 0 settles at once, as a demo wants")
        .default(DEVNET_ACCEPTANCE_WINDOW_S)
        .argParser(integerIn(0, 86_400)),
    )
    .addOption(corsOriginsOption())
    .addOption(new Option('--log-level <level>', 'coordinator JSON log level').default('warn').choices(['error', 'warn', 'info', 'debug', 'silent']))
    .action(async (flags: DevnetFlags, command: Command) => {
      const dataDir = resolve(flags.dataDir);
      const previous = readDevnetFile(dataDir);
      const adminKey = previous?.admin_key ?? `aitbc_admin_${randomBytes(24).toString('base64url')}`;
      const minerId = previous?.miner_id ?? 'devnet-miner-1';
      const coordinatorKeyFile = join(dataDir, 'coordinator-key.json');
      const coordinatorKey = loadOrCreateKeyFile(coordinatorKeyFile);
      const wallet = loadOrCreateKeyFile(join(dataDir, 'demo-wallet-key.json'));
      const portInUse = (error: unknown, port: number, flag: string) => {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') command.error(`error: port ${port} is in use (another devnet or coordinator?); pass ${flag} to pick another`);
        throw error;
      };
      // The devnet's two servers serve the same web app and each page calls both: unless
      // --cors-origins says otherwise, each allows both servers' origins (127.0.0.1 and localhost).
      const corsOrigins = flags.corsOrigins.length > 0 ? flags.corsOrigins : [flags.port, flags.chainPort].flatMap((port) => [`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
      let chain: DevnetChain;
      // The node's web app learns the coordinator's URL once it listens (it starts second).
      let coordinatorUrl: string | null = null;
      try {
        chain = await startDevnetChain({ dataDir, port: flags.chainPort, blockIntervalMs: flags.blockInterval, chainId: 'aitbc-devnet', coordinator: coordinatorKey, wallet, walletFunds: DEMO_WALLET_FUNDS, corsOrigins, coordinatorUrl: () => coordinatorUrl });
      } catch (error) {
        return portInUse(error, flags.chainPort, '--chain-port');
      }
      let coordinator;
      try {
        coordinator = await startCoordinator({
          port: flags.port,
          host: '127.0.0.1',
          database: { engine: 'sqlite', path: join(dataDir, 'coordinator.db') },
          keyFile: coordinatorKeyFile,
          logger: { level: flags.logLevel },
          config: {
            adminKey,
            chainId: chain.genesis.chain_id,
            chainUrl: chain.url,
            chainPollMs: 250,
            settleWaitMs: DEVNET_SETTLE_WAIT_MS,
            acceptanceWindowSeconds: flags.acceptanceWindow,
            corsOrigins,
            // The devnet's one miner is the operator's own: nobody of another owner could re-run its
            // jobs, so sampled checks would only wait out their deadlines holding the checks' escrow.
            verification: { ...DEFAULT_VERIFICATION, trustedMiners: new Set([minerId]) },
          },
        });
      } catch (error) {
        await chain.close();
        return portInUse(error, flags.port, '--port');
      }
      coordinatorUrl = coordinator.url;
      // Listen for Ctrl-C from here on, so stopping during start-up is clean too.
      const running = coordinator;
      let miner: MinerDaemon | null = null;
      const shutdown = () => {
        process.stderr.write('stopping devnet…\n');
        void (miner?.stop() ?? Promise.resolve())
          .then(() => running.close())
          .then(() => chain.close())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      const admin = new AitbcClient({ baseUrl: coordinator.url, apiKey: adminKey });
      const stillValid = async (key: string | undefined) => {
        if (!key) return false;
        try {
          await new AitbcClient({ baseUrl: coordinator.url, apiKey: key }).account.get();
          return true;
        } catch (error) {
          if (error instanceof AuthenticationError) return false;
          throw error;
        }
      };
      // Keys and funds are made once; a restart on the same data directory reuses them.
      let clientKey = previous?.client_key;
      if (!(await stillValid(clientKey))) clientKey = (await admin.admin.createKey({ scopes: ['client'], account: DEMO_ACCOUNT })).key;
      // The demo account is funded the real way: a transfer to the clearing address, memo = account,
      // credited once final. The key exists first, so the memo names a known account.
      const clearingAddress = coordinator.services.chain!.clearingAddress;
      const demo = new AitbcClient({ baseUrl: coordinator.url, apiKey: clientKey });
      const verificationAccount = coordinator.services.config.verification.account;
      const firstStart = !previous;
      // A key makes the verification account known, so its deposit's memo is matched (first start only).
      if (firstStart) await admin.admin.createKey({ scopes: ['client'], account: verificationAccount });
      const deposits = [{ account: DEMO_ACCOUNT, amount: DEMO_FUNDS }, ...(firstStart ? [{ account: verificationAccount, amount: VERIFICATION_FUNDS }] : [])];
      if (depositOnce(chain, wallet, clearingAddress, deposits)) {
        const giveUpAt = Date.now() + 30_000;
        while ((await demo.account.get()).available === '0' && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      let minerKey = previous?.miner_key;
      if (!(await stillValid(minerKey))) minerKey = (await admin.admin.createKey({ scopes: ['miner'], account: 'devnet-miner' })).key;

      const backend = createBackend(flags.miner, { url: flags.miner === 'ollama' ? flags.ollamaUrl : undefined });
      if (flags.miner === 'ollama') {
        try {
          await backend.listModels();
        } catch (error) {
          await coordinator.close();
          await chain.close();
          command.error(`error: no Ollama answers at ${flags.ollamaUrl} (${(error as Error).message}); start it (ollama serve), pass --ollama-url, or use --miner demo`);
        }
      }
      miner = new MinerDaemon({
        coordinatorUrl: coordinator.url,
        apiKey: minerKey!,
        minerId,
        keys: loadOrCreateKeyFile(join(dataDir, 'miner', 'miner-key.json')),
        backend,
        pricePerToken: '0.001',
        maxConcurrency: 2,
        // Ctrl-C stops the devnet promptly: running jobs get a second, then go back to the queue.
        shutdownGraceMs: DEVNET_MINER_GRACE_MS,
        gpu: await detectGpu(),
        log: (event) => {
          if (event.event === 'job_completed' || event.event === 'job_failed' || event.event === 'coordinator_unreachable') {
            process.stderr.write(`miner: ${event.event} ${JSON.stringify({ ...event, event: undefined })}\n`);
          }
        },
      });
      await miner.start();

      const file: DevnetFile = {
        coordinator_url: coordinator.url,
        chain_url: chain.url,
        clearing_address: clearingAddress,
        admin_key: adminKey,
        client_key: clientKey!,
        client_account: DEMO_ACCOUNT,
        client_wallet: addressFromPublicKey(wallet.publicKey),
        miner_key: minerKey!,
        miner_id: minerId,
      };
      const path = writeDevnetFile(dataDir, file);
      const account = await demo.account.get();
      process.stdout.write(
        [
          `AITBC devnet running (data in ${dataDir}; Ctrl-C stops it)`,
          `  chain        ${chain.url}/rpc/head   one authority, a block every ${chain.genesis.block_interval_ms} ms while there is work`,
          `  coordinator  ${coordinator.url}   docs ${coordinator.url}/docs   clearing address ${clearingAddress}`,
          `  web          ${coordinator.url}/   console, market, miner dashboard and explorer (also on ${chain.url}/)`,
          `  miner        ${minerId} (${backend.name} backend${flags.miner === 'demo' ? ': a built-in text generator, not an LLM' : ''})`,
          `  demo client  account ${DEMO_ACCOUNT}, ${account.available} AITBC available (deposited on chain from ${file.client_wallet})`,
          `  checks       account ${verificationAccount} pays canaries and re-executions (${VERIFICATION_FUNDS} AITBC deposited at first start); ${minerId} is trusted, so nothing is re-run until miners of other owners join`,
          `  keys         ${path}`,
          `  openai       any OpenAI client: base URL ${coordinator.url}/v1, API key = client_key in devnet.json`,
          '',
          'Try:  npx aitbc job submit --model ' + (flags.miner === 'demo' ? 'demo' : '<model>') + ' --prompt "hello" --wait',
          '',
        ].join('\n'),
      );
    });
}
