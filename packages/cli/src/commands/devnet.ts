// `aitbc devnet`: the whole system in one command — a coordinator and one miner (the built-in
// `demo` model by default), a funded demo client, and ./.aitbc/devnet.json with the URLs and keys.
// Restarting keeps the data; Ctrl-C stops everything cleanly.

import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { loadOrCreateKeyFile } from '@aitbc/protocol/node';
import { startCoordinator } from '@aitbc/coordinator';
import { MinerDaemon, createBackend, detectGpu } from '@aitbc/miner';
import { AitbcClient, AuthenticationError } from '@aitbc/sdk';
import { randomBytes } from 'node:crypto';
import { DEFAULT_DATA_DIR, readDevnetFile, writeDevnetFile, type DevnetFile } from '../devnet-file.ts';
import { integerIn } from '../options.ts';

const DEMO_ACCOUNT = 'demo';
const DEMO_FUNDS = '1000';

interface DevnetFlags {
  dataDir: string;
  port: number;
  miner: 'demo' | 'ollama';
  ollamaUrl?: string;
  logLevel: string;
}

export function devnetCommand(): Command {
  return new Command('devnet')
    .description('Start a local AITBC network: coordinator, one miner and a funded demo client')
    .addOption(new Option('--data-dir <dir>', 'where the databases, keys and devnet.json live').default(DEFAULT_DATA_DIR))
    .addOption(new Option('--port <port>', 'coordinator port').env('PORT').default(8080).argParser(integerIn(0, 65535)))
    .addOption(new Option('--miner <backend>', "the miner's model server: 'demo' (built-in, not an LLM) or 'ollama' (a local Ollama)").choices(['demo', 'ollama']).default('demo'))
    .addOption(new Option('--ollama-url <url>', 'Ollama URL').default('http://127.0.0.1:11434'))
    .addOption(new Option('--log-level <level>', 'coordinator JSON log level').default('warn').choices(['error', 'warn', 'info', 'debug', 'silent']))
    .action(async (flags: DevnetFlags, command: Command) => {
      const dataDir = resolve(flags.dataDir);
      const previous = readDevnetFile(dataDir);
      const adminKey = previous?.admin_key ?? `aitbc_admin_${randomBytes(24).toString('base64url')}`;
      let coordinator;
      try {
        coordinator = await startCoordinator({
          port: flags.port,
          host: '127.0.0.1',
          dbPath: join(dataDir, 'coordinator.db'),
          keyFile: join(dataDir, 'coordinator-key.json'),
          logger: { level: flags.logLevel },
          config: { adminKey },
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') command.error(`error: port ${flags.port} is in use (another devnet or coordinator?); pass --port to pick another`);
        throw error;
      }
      // Listen for Ctrl-C from here on, so stopping during start-up is clean too.
      const running = coordinator;
      let miner: MinerDaemon | null = null;
      const shutdown = () => {
        process.stderr.write('stopping devnet…\n');
        void (miner?.stop() ?? Promise.resolve())
          .then(() => running.close())
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
      if (!(await stillValid(clientKey))) {
        clientKey = (await admin.admin.createKey({ scopes: ['client'], account: DEMO_ACCOUNT })).key;
        await admin.admin.credit(DEMO_ACCOUNT, DEMO_FUNDS);
      }
      let minerKey = previous?.miner_key;
      if (!(await stillValid(minerKey))) minerKey = (await admin.admin.createKey({ scopes: ['miner'], account: 'devnet-miner' })).key;
      const minerId = previous?.miner_id ?? 'devnet-miner-1';

      const backend = createBackend(flags.miner, { url: flags.miner === 'ollama' ? flags.ollamaUrl : undefined });
      if (flags.miner === 'ollama') {
        try {
          await backend.listModels();
        } catch (error) {
          await coordinator.close();
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
        gpu: await detectGpu(),
        log: (event) => {
          if (event.event === 'job_completed' || event.event === 'job_failed' || event.event === 'coordinator_unreachable') {
            process.stderr.write(`miner: ${event.event} ${JSON.stringify({ ...event, event: undefined })}\n`);
          }
        },
      });
      await miner.start();

      const file: DevnetFile = { coordinator_url: coordinator.url, admin_key: adminKey, client_key: clientKey!, client_account: DEMO_ACCOUNT, miner_key: minerKey!, miner_id: minerId };
      const path = writeDevnetFile(dataDir, file);
      const account = await new AitbcClient({ baseUrl: coordinator.url, apiKey: clientKey }).account.get();
      process.stdout.write(
        [
          `AITBC devnet running (data in ${dataDir}; Ctrl-C stops it)`,
          `  coordinator  ${coordinator.url}   docs ${coordinator.url}/docs`,
          `  miner        ${minerId} (${backend.name} backend${flags.miner === 'demo' ? ': a built-in text generator, not an LLM' : ''})`,
          `  demo client  account ${DEMO_ACCOUNT}, ${account.available} AITBC available`,
          `  keys         ${path}`,
          '',
          'Try:  npx aitbc job submit --model ' + (flags.miner === 'demo' ? 'demo' : '<model>') + ' --prompt "hello" --wait',
          '',
        ].join('\n'),
      );
    });
}
