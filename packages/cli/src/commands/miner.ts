// `aitbc miner`: runs the miner daemon in front of a model server; `aitbc miner doctor` checks
// the setup in plain words.

import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { loadOrCreateKeyFile, useNodeCrypto } from '@aitbc/protocol/node';
import type { Capability } from '@aitbc/protocol';
import { BackendError, CHEAT_MODES, CheatingBackend, MinerDaemon, createBackend, detectGpu, operatorDigests, runDoctor, type Backend, type CheatMode } from '@aitbc/miner';
import { readDevnetFile } from '../devnet-file.ts';
import { capabilityList, commaList, integerIn, share } from '../options.ts';
import { reportError } from '../output.ts';

interface MinerFlags {
  coordinatorUrl?: string;
  apiKey?: string;
  minerId: string;
  backend: 'demo' | 'ollama' | 'openai';
  backendUrl?: string;
  backendApiKey?: string;
  models?: string[];
  price: string;
  maxConcurrency: number;
  dataDir: string;
  payoutAddress?: string;
  modelDigest: string[];
  modelFile: string[];
  capabilities?: Capability[];
  contextLength?: number;
  cheat?: CheatMode;
  cheatRate?: number;
  cheatAfter?: number;
  cheatSeed?: number;
}

/** Repeatable flags: every occurrence kept, in order. */
const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function minerCommand(): Command {
  return new Command('miner')
    .argument('[task]', "'doctor': check the coordinator, key, backend, models and GPU instead of mining")
    .addOption(new Option('--coordinator-url <url>', 'coordinator URL (default: ./.aitbc/devnet.json, then http://127.0.0.1:8080)').env('AITBC_URL'))
    .addOption(new Option('--api-key <key>', 'API key with scope miner (default: the devnet miner key)').env('AITBC_API_KEY'))
    .addOption(new Option('--miner-id <id>', 'this miner\'s id').env('AITBC_MINER_ID').default(`${hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 60)}-1`))
    .addOption(new Option('--backend <kind>', "model server: 'demo' (built-in text generator, not an LLM), 'ollama' or 'openai' (any OpenAI-compatible server)").choices(['demo', 'ollama', 'openai']).env('AITBC_BACKEND').default('demo'))
    .addOption(new Option('--backend-url <url>', 'model server URL (ollama: http://127.0.0.1:11434; openai: e.g. http://127.0.0.1:8000/v1)').env('AITBC_BACKEND_URL'))
    .addOption(new Option('--backend-api-key <key>', 'API key for an OpenAI-compatible server').env('AITBC_BACKEND_API_KEY'))
    .addOption(new Option('--models <list>', 'models to offer (default: all the backend has)').env('AITBC_MODELS').argParser(commaList))
    .addOption(new Option('--price <aitbc>', 'price per token for every model').env('AITBC_PRICE').default('0.001'))
    .addOption(new Option('--max-concurrency <n>', 'jobs at once').env('AITBC_MAX_CONCURRENCY').default(1).argParser(integerIn(1, 256)))
    .addOption(new Option('--data-dir <dir>', 'where the miner keeps its signing key').env('AITBC_MINER_DATA_DIR').default('./.aitbc/miner'))
    .addOption(new Option('--payout-address <ait1…>', 'where earnings settle (default: the address of the signing key)'))
    .addOption(new Option('--model-digest <model=sha256:…>', 'openai backend: the digest of the weights the server runs for a model (repeatable); advertised, and signed into version-2 receipts').argParser(collect).default([]))
    .addOption(new Option('--model-file <model=path>', 'openai backend: a GGUF (or any weights file) the server runs for a model, hashed with SHA-256 at start (repeatable)').argParser(collect).default([]))
    .addOption(
      new Option(
        '--capabilities <list>',
        'openai backend: what every offered model can do, from completion, chat, embeddings, tools, json_mode, json_schema, vision, logprobs (default: completion,chat); jobs that need more go to other miners. Ollama and demo report their own',
      )
        .env('AITBC_CAPABILITIES')
        .argParser(capabilityList),
    )
    .addOption(new Option('--context-length <tokens>', 'openai backend: the context length the server runs every offered model with, advertised beside the capabilities').env('AITBC_CONTEXT_LENGTH').argParser(integerIn(1, 100_000_000)))
    // Test-only, hidden from --help (documented in the README's testing section): a GPU owner
    // reading the help should not meet a switch to cheat their clients, and there is no
    // environment variable, so a forgotten setting cannot make a real miner dishonest.
    .addOption(new Option('--cheat <mode>', 'TEST ONLY, demo backend: answer dishonestly on a share of jobs').choices(CHEAT_MODES).hideHelp())
    .addOption(new Option('--cheat-rate <share>', 'TEST ONLY: share of jobs to cheat on, 0 to 1 (default 1)').argParser(share).hideHelp())
    .addOption(new Option('--cheat-after <jobs>', 'TEST ONLY: honest jobs before any cheating (default 0)').argParser(integerIn(0, 1_000_000_000)).hideHelp())
    .addOption(new Option('--cheat-seed <n>', 'TEST ONLY: seeds which jobs are cheated on and how (default 0)').argParser(integerIn(0, 4_294_967_295)).hideHelp())
    .action(async (task: string | undefined, flags: MinerFlags, command: Command) => {
      useNodeCrypto();
      const devnet = readDevnetFile();
      const coordinatorUrl = flags.coordinatorUrl ?? devnet?.coordinator_url ?? 'http://127.0.0.1:8080';
      const apiKey = flags.apiKey ?? devnet?.miner_key;
      const named = flags.modelDigest.length + flags.modelFile.length > 0;
      // Ollama and the demo model report their own digests; only an OpenAI-compatible server needs telling.
      if (named && flags.backend !== 'openai') command.error(`error: --model-digest and --model-file are for --backend openai; the ${flags.backend} backend reports its own digests`);
      // The same for what models can do: Ollama says it per model, the demo backend knows its own.
      const told = flags.capabilities !== undefined ? '--capabilities' : flags.contextLength !== undefined ? '--context-length' : undefined;
      if (told && flags.backend !== 'openai') command.error(`error: ${told} is for --backend openai; the ${flags.backend} backend reports what its models can do`);
      let digests: Record<string, string> = {};
      try {
        digests = await operatorDigests(flags.modelDigest, flags.modelFile);
      } catch (error) {
        command.error(`error: ${(error as Error).message}`);
      }
      let backend: Backend = createBackend(flags.backend, { url: flags.backendUrl, apiKey: flags.backendApiKey, digests, capabilities: flags.capabilities, contextLength: flags.contextLength });
      const cheatFlag = (['cheatRate', 'cheatAfter', 'cheatSeed'] as const).find((name) => flags[name] !== undefined);
      if (!flags.cheat && cheatFlag) command.error(`error: --${cheatFlag.replace(/[A-Z]/, (letter) => `-${letter.toLowerCase()}`)} needs --cheat <mode>`);
      if (flags.cheat) {
        if (flags.backend !== 'demo') command.error(`error: --cheat is a test-only mode of --backend demo; it is refused with the ${flags.backend} backend`);
        backend = cheatingDemo(backend, flags);
      }
      if (task === 'doctor') {
        const checks = await runDoctor({ coordinatorUrl, apiKey, backend, models: flags.models, gpu: () => detectGpu() });
        for (const check of checks) process.stdout.write(`${check.ok ? '✔' : '✖'} ${check.name}: ${check.detail}\n`);
        process.exitCode = checks.every((check) => check.ok) ? 0 : 1;
        return;
      }
      if (task !== undefined) command.error(`error: unknown task '${task}'; the only task is doctor`);
      if (!apiKey) command.error('error: no API key: pass --api-key or set AITBC_API_KEY to a key with scope miner (or start `aitbc devnet`)');
      try {
        const daemon = new MinerDaemon({
          coordinatorUrl,
          apiKey: apiKey!,
          minerId: flags.minerId,
          keys: loadOrCreateKeyFile(resolve(join(flags.dataDir, 'miner-key.json'))),
          backend,
          models: flags.models,
          pricePerToken: flags.price,
          maxConcurrency: flags.maxConcurrency,
          payoutAddress: flags.payoutAddress,
          gpu: await detectGpu(),
        });
        // Listen first: a signal during registration must also stop cleanly.
        const stop = () => void daemon.stop().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await daemon.start();
      } catch (error) {
        // The operator's own terminal: the model server's address is theirs to see.
        reportError(error instanceof BackendError ? new Error(error.detail) : error);
      }
    });
}

/** The demo backend made dishonest, announced loudly at start and on every job it cheats on. */
function cheatingDemo(demo: Backend, flags: MinerFlags): Backend {
  const { cheat: mode, cheatRate: rate = 1, cheatAfter: after = 0, cheatSeed: seed = 0 } = flags;
  const bar = '!'.repeat(78);
  process.stderr.write(
    `${bar}\nWARNING: TEST-ONLY CHEATING MINER. --cheat ${mode}: ${Number((rate * 100).toPrecision(6))}% of jobs after the first ${after} (seed ${seed}) get wrong output\n` +
      `under validly signed receipts. Never point it at a marketplace with real clients.\n${bar}\n`,
  );
  return new CheatingBackend(demo, {
    mode: mode!,
    rate,
    after,
    seed,
    onJob: ({ ordinal, cheat }) => {
      if (cheat) process.stderr.write(JSON.stringify({ at: new Date().toISOString(), miner: flags.minerId, event: 'job_cheated', ordinal, mode: cheat }) + '\n');
    },
  });
}
