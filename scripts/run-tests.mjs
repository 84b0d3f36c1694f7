// Runs every *.test.ts under packages/ (and e2e/) with node's own test runner through tsx, and
// beside it the tests that drive a coordinator through the testkit again on the PostgreSQL engine
// (AITBC_TEST_ENGINE=postgres): the same behaviour held on both engines. Tests of PostgreSQL
// itself (the conformance suite's PostgreSQL run, the scale-out) run in that second pass. A test that reads the
// SQLite engine's own tables (`.sqlite.`, `new SqliteStore`, better-sqlite3) is SQLite-only.
// Node 20's --test does not expand globs, so the files are listed here.
//   node scripts/run-tests.mjs [files or dirs…] [--engine sqlite|postgres|both]   (default: both)
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const args = process.argv.slice(2);
const engineAt = args.indexOf('--engine');
const engine = engineAt >= 0 ? args.splice(engineAt, 2)[1] : 'both';
if (!['sqlite', 'postgres', 'both'].includes(engine)) {
  console.error(`--engine must be sqlite, postgres or both, not ${engine}`);
  process.exit(2);
}
const roots = args.length > 0 ? args : ['packages', 'e2e'].filter((root) => { try { return statSync(root).isDirectory(); } catch { return false; } });
const files = roots.flatMap((root) => (root.endsWith('.ts') ? [root] : findTests(root))).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const sources = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
const drivesCoordinator = (text) => /startTestCoordinator|World\.start|BondWorld/.test(text);

/** A test file the PostgreSQL pass runs: it starts test coordinators (directly or through a world) and never reaches into SQLite. */
function runsOnBothEngines(file) {
  const text = sources.get(file);
  return drivesCoordinator(text) && !/\.sqlite\.|new SqliteStore|better-sqlite3/.test(text);
}

/** A test of PostgreSQL itself (its own databases, no test coordinator): it runs in the PostgreSQL pass only. */
function postgresOnly(file) {
  const text = sources.get(file);
  return text.includes('@aitbc/testkit/postgres') && !drivesCoordinator(text);
}

/** No single test may hang the run: one that takes longer fails (the longest take about a minute). */
const TEST_TIMEOUT_MS = 300_000;

const countsDir = mkdtempSync(join(tmpdir(), 'aitbc-test-counts-'));
const totals = { passed: 0, failed: 0 };

/**
 * Runs one pass in its own process; resolves with its exit status once its counts are added to
 * the totals. `log`: a file for its report, printed whole after the other pass (null: straight to
 * this terminal).
 */
function run(name, list, env, log) {
  const counts = join(countsDir, `${name}.json`);
  const reporters = ['--test-reporter=spec', `--test-reporter-destination=${log ?? 'stdout'}`, `--test-reporter=${fileURLToPath(new URL('./count-reporter.mjs', import.meta.url))}`, `--test-reporter-destination=${counts}`];
  const child = spawn(process.execPath, ['--conditions=@aitbc/source', '--import', 'tsx', '--test', `--test-timeout=${TEST_TIMEOUT_MS}`, ...reporters, ...list], { stdio: ['ignore', log ? 'ignore' : 'inherit', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve) => {
    child.once('close', (status) => {
      try {
        const pass = JSON.parse(readFileSync(counts, 'utf8'));
        totals.passed += pass.passed;
        totals.failed += pass.failed;
      } catch {
        totals.failed += 1; // the pass died before reporting
      }
      resolve(status ?? 1);
    });
  });
}

// The two passes run side by side (many tests wait on timers and sockets, so two processes use
// the machine better than one after the other); the PostgreSQL pass's report follows the SQLite one's.
const both = files.filter(runsOnBothEngines);
const onPostgres = [...files.filter(postgresOnly), ...both];
const passes = [];
if (engine !== 'postgres') passes.push(run('sqlite', files.filter((file) => engine === 'sqlite' || !postgresOnly(file)), { AITBC_TEST_ENGINE: 'sqlite' }, null));
const postgresLog = join(countsDir, 'postgres.log');
const separate = engine === 'both';
if (engine !== 'sqlite' && onPostgres.length > 0) passes.push(run('postgres', onPostgres, { AITBC_TEST_ENGINE: 'postgres' }, separate ? postgresLog : null));
const statuses = await Promise.all(passes);
if (separate && onPostgres.length > 0) {
  console.log(`\n# run beside the pass above: the PostgreSQL tests, and the same ${both.length} coordinator test files again on the PostgreSQL engine (AITBC_TEST_ENGINE=postgres)`);
  process.stdout.write(readFileSync(postgresLog, 'utf8'));
}
rmSync(countsDir, { recursive: true, force: true });
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(statuses.find((status) => status !== 0) ?? 0);
