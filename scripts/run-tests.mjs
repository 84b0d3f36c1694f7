// Runs every *.test.ts under packages/ (and e2e/) with node's own test runner through tsx, and
// again on the PostgreSQL engine (AITBC_TEST_ENGINE=postgres) the files that drive a coordinator
// through the testkit: the same behaviour held on both engines. Tests of PostgreSQL itself (the
// conformance suite's PostgreSQL run, the scale-out) run on PostgreSQL only. A test that reads the
// SQLite engine's own tables (`.sqlite.`, `new SqliteStore`, better-sqlite3) is SQLite-only, as is
// one whose header says it is `engine-neutral` (it starts a coordinator only as a fixture).
// Node 20's --test does not expand globs, so the files are listed here.
//   node scripts/run-tests.mjs [files or dirs…] [--engine sqlite|postgres|both] [--jobs N]
// (defaults: both engines; 3 files at a time)
//
// Each (file, engine) pair is one `node --test` process (the unit tests beside one package's code
// share one); a pool runs --jobs of them at once, the
// likely-longest first, so that the run ends with short files on every worker instead of one long
// file alone. Many tests wait on timers, sockets and child processes, so one more process than
// this machine's two cores keeps both busy. A file's report is printed whole when it ends.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';

function findTests(dir, found = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, found);
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

/** The value after `name` in `args` (taken out of them), refused unless `allowed` holds for it. */
function option(args, name, allowed, description) {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args.splice(at, 2)[1];
  if (!allowed(value)) {
    console.error(`${name} must be ${description}, not ${value}`);
    process.exit(2);
  }
  return value;
}

const args = process.argv.slice(2);
const engine = option(args, '--engine', (value) => ['sqlite', 'postgres', 'both'].includes(value), 'sqlite, postgres or both') ?? 'both';
const workers = Number(option(args, '--jobs', (value) => /^[1-9]\d*$/.test(value ?? ''), 'a whole number from 1') ?? 3);
const roots = args.length > 0 ? args : ['packages', 'e2e'].filter((root) => { try { return statSync(root).isDirectory(); } catch { return false; } });
const files = roots.flatMap((root) => (root.endsWith('.ts') ? [root] : findTests(root))).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const sources = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
const STARTS_COORDINATOR = /startTestCoordinator|startWithMiner/;

/**
 * A file that starts test coordinators, itself or through a helper beside it (a world of
 * coordinator, chain and miners): judged by what it calls, not by the helpers' names, which
 * change (a name list once left three files, then a fourth, off the PostgreSQL run unnoticed).
 */
function startsCoordinators(file) {
  const text = sources.get(file);
  if (STARTS_COORDINATOR.test(text)) return true;
  return [...text.matchAll(/from '(\.\.?\/[^']+\.ts)'/g)].some(([, helper]) => {
    const path = join(dirname(file), helper);
    return !path.endsWith('.test.ts') && !path.includes('/src/') && STARTS_COORDINATOR.test(readFileSync(path, 'utf8'));
  });
}
// Judged once per file: the weight below asks again on every comparison of the sort.
const driving = new Set(files.filter(startsCoordinators));
const drivesCoordinator = (file) => driving.has(file);

/** A test file run again on PostgreSQL: it starts test coordinators (directly or through a world) and never reaches into SQLite. */
function runsOnBothEngines(file) {
  return drivesCoordinator(file) && !/\.sqlite\.|new SqliteStore|better-sqlite3|engine-neutral/.test(sources.get(file));
}

/** A test of PostgreSQL itself (its own databases, no test coordinator): it runs on PostgreSQL only. */
function postgresOnly(file) {
  return sources.get(file).includes('@aitbc/testkit/postgres') && !drivesCoordinator(file);
}

/**
 * How long a file is likely to take, to start the longest first: whole-system tests (e2e), the
 * command line's (each spawns `aitbc` processes) and PostgreSQL's own are the long ones; within a
 * kind, the longer file.
 */
function weight({ files: [file, ...more] }) {
  const kind = file.includes('e2e/') ? 4 : file.includes('/cli/test/') || postgresOnly(file) ? 2 : 1;
  return kind * 1_000_000 + sources.get(file).length + more.reduce((sum, other) => sum + sources.get(other).length, 0);
}

/**
 * A unit test beside its code (under src/) that starts no server and touches no process-wide
 * setting: those of one package share one process (each file's own costs ~1 s of start-up
 * through tsx, more than most of them take to run).
 */
function sharesProcess(file) {
  return file.includes('/src/') && !drivesCoordinator(file) && !/useNodeCrypto|process\.env|postgres/.test(sources.get(file));
}

const jobs = [];
const shared = new Map();
for (const file of files) {
  if (engine !== 'postgres' && sharesProcess(file)) {
    const home = file.slice(0, file.indexOf('/src/') + 4);
    shared.set(home, [...(shared.get(home) ?? []), file]);
    continue;
  }
  if (engine !== 'postgres' && (engine === 'sqlite' || !postgresOnly(file))) jobs.push({ files: [file], engine: 'sqlite' });
  if (engine !== 'sqlite' && (postgresOnly(file) || runsOnBothEngines(file))) jobs.push({ files: [file], engine: 'postgres' });
}
for (const [home, together] of shared) jobs.push({ files: together, engine: 'sqlite', label: together.length > 1 ? `${relative(process.cwd(), home)} (${together.length} unit-test files)` : undefined });
jobs.sort((a, b) => weight(b) - weight(a));

/** No single test may hang the run: one that takes longer fails (the longest take about a minute). */
const TEST_TIMEOUT_MS = 300_000;
const countsDir = mkdtempSync(join(tmpdir(), 'aitbc-test-counts-'));
const totals = { passed: 0, failed: 0 };
const failedFiles = [];
const durations = [];
const started = Date.now();

/** Runs one file on one engine; resolves once its report is printed and its counts added. */
function run({ files: [file, ...more], engine: on, label }, index) {
  const counts = join(countsDir, `${index}.json`);
  // Several files in one process: one entry module that imports them all.
  const entry = more.length === 0 ? file : join(countsDir, `${index}.entry.mjs`);
  if (entry !== file) writeFileSync(entry, [file, ...more].map((each) => `import ${JSON.stringify(pathToFileURL(resolve(each)).href)};\n`).join(''));
  const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${fileURLToPath(new URL('./count-reporter.mjs', import.meta.url))}`, `--test-reporter-destination=${counts}`];
  const child = spawn(process.execPath, ['--conditions=@aitbc/source', '--import', 'tsx', '--test', `--test-timeout=${TEST_TIMEOUT_MS}`, ...reporters, entry], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AITBC_TEST_ENGINE: on } });
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk));
  child.stderr.on('data', (chunk) => output.push(chunk));
  const began = Date.now();
  return new Promise((resolve) => {
    child.once('close', (status) => {
      const seconds = (Date.now() - began) / 1000;
      let pass;
      try {
        pass = JSON.parse(readFileSync(counts, 'utf8'));
      } catch {
        pass = { passed: 0, failed: 1 }; // the process died before reporting
      }
      totals.passed += pass.passed;
      totals.failed += pass.failed;
      const name = `${on} ${label ?? relative(process.cwd(), file)}`;
      if (status !== 0 || pass.failed > 0) failedFiles.push(name);
      durations.push({ name, seconds });
      process.stdout.write(`\n# ${name}: ${pass.passed} passed, ${pass.failed} failed, ${seconds.toFixed(1)} s\n`);
      process.stdout.write(Buffer.concat(output));
      resolve();
    });
  });
}

let next = 0;
async function worker() {
  while (next < jobs.length) {
    const index = next++;
    await run(jobs[index], index);
  }
}
await Promise.all(Array.from({ length: Math.min(workers, jobs.length) }, worker));
rmSync(countsDir, { recursive: true, force: true });

const slowest = durations.sort((a, b) => b.seconds - a.seconds).slice(0, 5).map(({ name, seconds }) => `${name} ${seconds.toFixed(0)} s`);
console.log(`\n${jobs.length} processes for ${files.length} test files (SQLite, and PostgreSQL where marked above) in ${((Date.now() - started) / 1000).toFixed(0)} s, ${workers} at a time; the slowest: ${slowest.join(', ')}`);
if (failedFiles.length > 0) console.log(`failed: ${failedFiles.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(failedFiles.length > 0 ? 1 : 0);
