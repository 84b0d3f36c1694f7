// Disputes and slashing end to end, with real processes as an operator would run them: `aitbc node`
// (one authority: the chain's own tests cover three), `aitbc coordinator --chain-url … --min-bond …`
// whose key genesis lists, `aitbc miner --backend demo` processes each bonded on chain from its payout
// wallet (`aitbc wallet bond`), one of them a test-only cheater, and a client funded by a chain deposit
// (so the books hold no admin credit). A dispute of an honest miner's job is rejected (the client pays
// the re-run, the miner is paid); a dispute of the cheater's job is upheld (the price refunded, the
// cheater paused and slashed on chain with the re-runs as evidence, the client credited its share).
// After each, `aitbc coordinator check-ledger --chain-url` says chain OK; at the end every AITBC of
// genesis is still on the chain's accounts, bonds and unbondings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, formatAmount, parseAmount } from '@aitbc/protocol';
import { loadOrCreateKeyFile } from '@aitbc/protocol/node';
import { freePort, until } from '@aitbc/testkit';
import { execAitbc, startAitbc, stopWith } from '@aitbc/testkit/processes';
import { Market, demoJob, type MinerStanding, type RunningMiner } from './market.ts';

const HONEST = ['honest-1', 'honest-2', 'honest-3'];
const WALLETS = [...HONEST, 'cheater', 'client'];
/** What genesis gives each wallet, what each miner bonds (above --min-bond), and what a slash takes. */
const FUNDS = '100';
const BOND = '50';
const MIN_BOND = '10';
const SLASH = '10';
const DEPOSIT = '20';
const PROBATION_JOBS = 3;
/** Only the client's disputes run checks; nothing settles during the test (no transaction races the books' reads). */
const QUIET = ['--reexecution-rate', '0', '--canary-rate', '0', '--probation-reexecution-rate', '0', '--probation-canary-rate', '0', '--settle-interval', '3600'];

type WithBond = MinerStanding & { bond?: { address: string; bonded: string; unbonding: string } };

test('a dispute rejected on an honest miner, one upheld on a cheater that is slashed on chain; the books match the chain after each', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'aitbc-e2e-disputes-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const env = { ...process.env, AITBC_WALLET_PASSPHRASE: 'e2e disputes passphrase', AITBC_WALLET_DIR: join(home, 'wallets') };
  /** `aitbc <args>`, which must succeed; its stdout. */
  const aitbc = async (...args: string[]) => {
    const run = await execAitbc(args, { cwd: home, env });
    assert.equal(run.status, 0, `aitbc ${args.join(' ')}:\n${run.stdout}${run.stderr}`);
    return run.stdout;
  };

  // The coordinator's key (its address is the clearing address) and a wallet per miner and client, funded in genesis.
  const coordinatorKeyFile = join(home, 'coordinator-key.json');
  const coordinatorKey = loadOrCreateKeyFile(coordinatorKeyFile);
  const clearing = addressFromPublicKey(coordinatorKey.publicKey);
  const addresses = Object.fromEntries(await Promise.all(WALLETS.map(async (name) => [name, JSON.parse(await aitbc('wallet', 'create', name, '--json')).address as string])));
  const chainDir = join(home, 'chain');
  await aitbc('node', 'init', '--data-dir', chainDir, '--coordinator', base64urlEncode(coordinatorKey.publicKey), '--block-interval', '100', '--slash-amount', SLASH, ...WALLETS.flatMap((name) => ['--allocate', `${addresses[name]}=${FUNDS}`]));
  const node = await startAitbc(['node', '--data-dir', chainDir, '--port', String(await freePort())], /RPC on (http:\/\/\S+)\/rpc\/head/, { cwd: home });
  t.after(() => stopWith(node.child));
  const chainUrl = node.ready[1]!;
  const chain = async (path: string) => {
    const response = await fetch(`${chainUrl}${path}`);
    return { status: response.status, body: (await response.json()) as any };
  };

  const market = await Market.start(t, ['--chain-url', chainUrl, '--key-file', coordinatorKeyFile, '--min-bond', MIN_BOND, '--acceptance-window', '60', '--probation-jobs', String(PROBATION_JOBS), ...QUIET]);
  const miners = await Promise.all(
    WALLETS.filter((name) => name !== 'client').map((id) => market.startMiner(id, ['--payout-address', addresses[id]!, ...(id === 'cheater' ? ['--cheat', 'wrong-model'] : [])])),
  );
  const byId = (id: string) => miners.find((miner) => miner.id === id)!;
  const { client: alice, key: aliceKey } = await market.unfundedClient('alice');
  // Each miner's key bonded from its payout wallet; the client's account funded by a deposit naming it.
  await Promise.all([
    ...miners.map((miner) => aitbc('wallet', 'bond', miner.id, BOND, '--miner-key', join(miner.dataDir, 'miner-key.json'), '--node-url', chainUrl)),
    aitbc('wallet', 'send', 'client', '--to', clearing, '--amount', DEPOSIT, '--memo', 'alice', '--node-url', chainUrl, '--yes'),
  ]);
  await until(async () => (await alice.account.get()).available === DEPOSIT, 'the deposit to be credited');
  await until(async () => (await Promise.all(miners.map((miner) => market.miner(miner.id) as Promise<WithBond>))).every((view) => view.bond?.bonded === BOND), 'every bond to be read');

  // The honest miners past probation (so they may re-run others' jobs); no window on these jobs, so nothing of theirs is held.
  await Promise.all(HONEST.map(async (id, n) => {
    for (let i = 0; i < PROBATION_JOBS; i++) await alice.jobs.run(demoJob(10 * n + i, { miner_id: id, acceptance_window_seconds: 0 }));
  }));

  const available = async () => parseAmount((await alice.account.get()).available);
  const dispute = async (jobId: string) => assert.match(await aitbc('job', 'dispute', jobId, '--reason', 'this is not what the model says', '--url', market.url, '--api-key', aliceKey), new RegExp(`^${jobId} dispute open \\(check \\d+\\)`));
  const decided = (jobId: string) => until(async () => {
    const job = await alice.jobs.get(jobId);
    return job.dispute?.status !== 'open' && (await alice.account.get()).escrowed === '0' ? job : null;
  }, `the dispute of ${jobId} to be decided`);
  /** The re-run and any tie-breaks of a disputed job: run by other owners, paid by the client. */
  const rerunsOf = async (jobId: string, minerId: string) => {
    const check = (await market.checks()).find((entry) => entry.subject_job_id === jobId)!;
    const runs = await Promise.all([check.check_job_id, ...check.tiebreak_job_ids].map((id) => alice.jobs.get(id)));
    assert.ok(runs.every((run) => run.status === 'completed' && run.miner_id !== minerId && run.price !== null), JSON.stringify(runs));
    return { check, runs, cost: runs.reduce((sum, run) => sum + parseAmount(run.price!), 0n) };
  };
  const checkLedger = async () => {
    await until(async () => {
      const view = await market.adminGet<{ outbox: unknown[]; difference: string }>('/v1/admin/chain');
      return view.outbox.length === 0 && view.difference === '0';
    }, 'the books to match the chain');
    assert.match(await aitbc('coordinator', 'check-ledger', '--db', market.dbPath, '--key-file', coordinatorKeyFile, '--chain-url', chainUrl), /ledger OK\n[^]*chain OK/);
  };

  // Rejected: the honest miner was right. The client pays the re-run; the held price is released to the miner.
  const honest = byId('honest-1');
  const fair = await alice.jobs.get((await alice.jobs.run(demoJob(100, { miner_id: 'honest-1' }))).job_id);
  const fairPrice = parseAmount(fair.price!);
  const earningsBefore = await honest.client.miners.earnings('honest-1');
  assert.equal(parseAmount(earningsBefore.held), fairPrice, 'held through its window');
  const beforeFair = await available();
  // Inside its window the job's price is what the client may still dispute, and `aitbc account` says so.
  assert.match(await aitbc('account', '--url', market.url, '--api-key', aliceKey), new RegExp(`; ${fair.price!.replace('.', '\\.')} AITBC of completed jobs still disputable`));
  await dispute(fair.job_id);
  assert.equal((await decided(fair.job_id)).dispute!.status, 'rejected');
  const fairRerun = await rerunsOf(fair.job_id, 'honest-1');
  assert.equal(fairRerun.runs.length, 1, 'the re-run agreed: no tie-break');
  assert.equal(await available(), beforeFair - fairRerun.cost, 'the client paid the re-run, nothing more');
  const earningsAfter = await honest.client.miners.earnings('honest-1');
  assert.deepEqual([earningsAfter.held, parseAmount(earningsAfter.earned) - parseAmount(earningsBefore.earned)], ['0', fairPrice], 'the miner is paid after the verdict');
  assert.equal((await market.miner('honest-1')).paused, false);
  await checkLedger();

  // Upheld: the cheater answered wrong. Three honest runs agree against it; the price comes back,
  // the cheater is paused, and a slash with those runs as evidence lands on chain.
  const cheater = byId('cheater');
  const cheated = await alice.jobs.get((await alice.jobs.run(demoJob(200, { miner_id: 'cheater' }))).job_id);
  const beforeCheated = await available();
  await dispute(cheated.job_id);
  assert.equal((await decided(cheated.job_id)).dispute!.status, 'upheld');
  const { check, runs, cost } = await rerunsOf(cheated.job_id, 'cheater');
  assert.equal(check.verdict, 'disagree');
  assert.deepEqual(runs.map((run) => run.miner_id).sort(), HONEST, 'a re-run and two tie-breaks, one per honest owner');
  assert.equal((await market.miner('cheater')).paused, true);

  const slash = await until(async () => {
    const answer = await chain(`/rpc/slashes/${cheated.receipt_id}`);
    return answer.status === 200 && answer.body;
  }, 'the slash on chain');
  assert.equal(slash.miner_key, minerPublicKey(cheater));
  assert.equal(slash.amount, SLASH);
  assert.equal(slash.beneficiary, clearing);
  assert.deepEqual(Object.keys(slash.evidence.reference_keys).sort(), HONEST, "the honest runs' receipts are the evidence");
  const payouts = slash.payouts as { address: string; amount: string; role: string }[];
  assert.equal(formatAmount(payouts.reduce((sum, payout) => sum + parseAmount(payout.amount), 0n)), SLASH, 'the whole slash is paid out');
  assert.deepEqual(payouts.filter((payout) => payout.role === 'verifier').map((payout) => payout.address).sort(), HONEST.map((id) => addresses[id]).sort(), 'each bonded verifier gets a share at its wallet');
  const credit = parseAmount(payouts.find((payout) => payout.role === 'beneficiary')!.amount);
  // Refunded the price, paid the re-runs, and credited the clearing address's share once the slash is final.
  await until(async () => (await available()) === beforeCheated + parseAmount(cheated.price!) - cost + credit, 'the client credited its share of the slash');
  assert.deepEqual(await chain(`/rpc/accounts/${addresses.cheater}`).then(({ body }) => [body.bonded, body.unbonding]), [formatAmount(parseAmount(BOND) - parseAmount(SLASH)), '0']);
  await checkLedger();
  assert.equal(await available(), beforeCheated + parseAmount(cheated.price!) - cost + credit, 'credited once');

  // Nothing was made or lost on chain: the wallets, the clearing address and the authority (fees) hold genesis, bonds included.
  const authority = addressFromPublicKey(loadOrCreateKeyFile(join(chainDir, 'authority-key.json')).publicKey);
  const holdings = await Promise.all([...Object.values(addresses), clearing, authority].map((address) => chain(`/rpc/accounts/${address}`).then(({ body }) => parseAmount(body.balance) + parseAmount(body.bonded) + parseAmount(body.unbonding))));
  assert.equal(formatAmount(holdings.reduce((sum, held) => sum + held, 0n)), formatAmount(BigInt(WALLETS.length) * parseAmount(FUNDS)));
});

/** The public key a miner signs its receipts with (base64url), from its data dir. */
function minerPublicKey(miner: RunningMiner): string {
  return JSON.parse(readFileSync(join(miner.dataDir, 'miner-key.json'), 'utf8')).public_key;
}
