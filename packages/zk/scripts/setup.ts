// The development ceremony: compiles the circuits with circom2 (WASM), makes a small powers of
// tau locally (one contribution, then a public beacon), runs phase 2 per circuit (one
// contribution, then a beacon), and writes the proving keys, the verification keys, the Solidity
// verifier and ceremony.json (every contribution hash and the SHA-256 of every artifact).
// Contributions draw fresh randomness, so each run makes new keys: the artifacts are committed.
//
//   npm run zk:setup                         # development ceremony
//   npm run zk:setup -- --ptau FILE.ptau     # phase 1 from a public ceremony (e.g. powersOfTau28_hez_final_12.ptau)
//   npm run zk:setup -- --check              # the committed artifacts still match ceremony.json

import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as snarkjs from 'snarkjs';
import { ARTIFACTS_DIR, CIRCUITS_DIR, CONTRACTS_DIR } from '../src/artifacts.ts';

const CIRCUITS = ['receipt_simple', 'seed_nopublic'];
/** 2^12 constraints: receipt_simple has about 1,600. */
const POWER = 12;
/** A fixed public beacon seals each phase; in a real ceremony it is a future block hash. */
const BEACON = '0x' + createHash('sha256').update('AITBC development ceremony beacon').digest('hex');
const BUILD_DIR = join(ARTIFACTS_DIR, '..', 'build');
const require = createRequire(import.meta.url);

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const quiet = { info: () => {}, debug: () => {}, warn: console.warn, error: console.error };
const CEREMONY = join(ARTIFACTS_DIR, 'ceremony.json');

function compile(name: string): void {
  const cli = require.resolve('circom2/cli.js');
  const root = join(CIRCUITS_DIR, '..', '..', '..');
  // circom2 runs under WASI, which sees the working directory only: run it from the repo root.
  const result = spawnSync(process.execPath, [cli, join('packages/zk/circuits', `${name}.circom`), '--r1cs', '--wasm', '--O2', '-l', 'node_modules', '-o', join('packages/zk/build')], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`circom2 ${name}: ${result.stderr || result.stdout}`);
  console.log(`compiled ${name}: ${/non-linear constraints: (\d+)/.exec(result.stdout)?.[1]} constraints`);
  copyFileSync(join(BUILD_DIR, `${name}_js`, `${name}.wasm`), join(ARTIFACTS_DIR, `${name}.wasm`));
}

async function phase1(publicPtau: string | undefined): Promise<{ ptau: string; contributions: object[] }> {
  if (publicPtau) return { ptau: publicPtau, contributions: [{ name: 'public ceremony file', sha256: sha256File(publicPtau) }] };
  const curve = await snarkjs.curves.getCurveFromName('bn128');
  const file = (step: number) => join(BUILD_DIR, `pot${POWER}_${step}.ptau`);
  await snarkjs.powersOfTau.newAccumulator(curve, POWER, file(0), quiet);
  const contribution = await snarkjs.powersOfTau.contribute(file(0), file(1), 'aitbc-dev-1', randomBytes(32).toString('hex'), quiet);
  const beacon = await snarkjs.powersOfTau.beacon(file(1), file(2), 'aitbc-dev-beacon', BEACON.slice(2), 10, quiet);
  await snarkjs.powersOfTau.preparePhase2(file(2), file(3), quiet);
  return {
    ptau: file(3),
    contributions: [
      { name: 'aitbc-dev-1', response_hash: hex(contribution) },
      { name: 'aitbc-dev-beacon', beacon: BEACON, iterations_exp: 10, response_hash: hex(beacon) },
    ],
  };
}

async function phase2(name: string, ptau: string): Promise<object[]> {
  const file = (step: number) => join(BUILD_DIR, `${name}_${step}.zkey`);
  await snarkjs.zKey.newZKey(join(BUILD_DIR, `${name}.r1cs`), ptau, file(0), quiet);
  const contribution = await snarkjs.zKey.contribute(file(0), file(1), `${name}-dev-1`, randomBytes(32).toString('hex'), quiet);
  const beacon = await snarkjs.zKey.beacon(file(1), file(2), `${name}-dev-beacon`, BEACON.slice(2), 10, quiet);
  if (!(await snarkjs.zKey.verifyFromR1cs(join(BUILD_DIR, `${name}.r1cs`), ptau, file(2), quiet))) throw new Error(`${name}: the zkey does not verify against its r1cs and ptau`);
  copyFileSync(file(2), join(ARTIFACTS_DIR, `${name}.zkey`));
  const vkey = await snarkjs.zKey.exportVerificationKey(file(2), quiet);
  writeFileSync(join(ARTIFACTS_DIR, `${name}.vkey.json`), JSON.stringify(vkey, null, 1) + '\n');
  return [
    { name: `${name}-dev-1`, contribution_hash: hex(contribution) },
    { name: `${name}-dev-beacon`, beacon: BEACON, iterations_exp: 10, contribution_hash: hex(beacon) },
  ];
}

async function solidityVerifier(): Promise<void> {
  const template = readFileSync(join(dirname(require.resolve('snarkjs')), '..', 'templates', 'verifier_groth16.sol.ejs'), 'utf8');
  const source = await snarkjs.zKey.exportSolidityVerifier(join(ARTIFACTS_DIR, 'receipt_simple.zkey'), { groth16: template }, quiet);
  writeFileSync(join(CONTRACTS_DIR, 'Groth16Verifier.sol'), source);
}

const artifactFiles = () => [...CIRCUITS.flatMap((name) => [`${name}.wasm`, `${name}.zkey`, `${name}.vkey.json`]), '../contracts/Groth16Verifier.sol'];

function check(): void {
  const recorded = JSON.parse(readFileSync(CEREMONY, 'utf8')).sha256 as Record<string, string>;
  const wrong = artifactFiles().filter((file) => recorded[file] !== sha256File(join(ARTIFACTS_DIR, file)));
  if (wrong.length > 0) throw new Error(`artifacts differ from ceremony.json: ${wrong.join(', ')}`);
  console.log(`all ${artifactFiles().length} artifacts match ceremony.json`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ptau: { type: 'string' }, check: { type: 'boolean' } } });
  if (values.check) return check();
  if (values.ptau && !existsSync(values.ptau)) throw new Error(`--ptau ${values.ptau}: no such file`);
  rmSync(BUILD_DIR, { recursive: true, force: true });
  mkdirSync(BUILD_DIR, { recursive: true });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (const name of CIRCUITS) compile(name);
  const one = await phase1(values.ptau);
  console.log('phase 1 done');
  const phase2s: Record<string, object[]> = {};
  for (const name of CIRCUITS) phase2s[name] = await phase2(name, one.ptau);
  console.log('phase 2 done');
  await solidityVerifier();
  const ceremony = {
    kind: values.ptau ? 'phase 1 from a public ceremony file, phase 2 local' : 'development: every contribution local; not for production',
    curve: 'bn128',
    power: POWER,
    made_at: new Date().toISOString(),
    phase1: one.contributions,
    phase2: phase2s,
    sha256: Object.fromEntries(artifactFiles().map((file) => [file, sha256File(join(ARTIFACTS_DIR, file))])),
  };
  writeFileSync(CEREMONY, JSON.stringify(ceremony, null, 2) + '\n');
  console.log(`wrote ${ARTIFACTS_DIR} (ceremony.json lists every hash)`);
}

try {
  await main();
} finally {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}
