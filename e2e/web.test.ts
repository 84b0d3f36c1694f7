// The web console and explorer in real headless Chromium against `aitbc devnet` with jobs
// running: every page renders real data, the explorer shows new blocks and receipts without a
// reload, a receipt page shows its checks and its block, the miner's chart has its jobs, and the
// playground streams. Each page is also taken at phone width (375 × 812), must not overflow
// sideways there, and must pass axe-core with no serious or critical violation. Screenshots go to
// packages/web/screenshots/.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startAitbc, stopWith, type Started } from '@aitbc/testkit/processes';
import { freePort, until } from '@aitbc/testkit';
import { DESKTOP, PHONE, launchChromium, overflowsSideways, screenshot, seriousViolations } from './browser.ts';

interface Devnet {
  coordinator_url: string;
  chain_url: string;
  admin_key: string;
  client_key: string;
  miner_key: string;
  miner_id: string;
  clearing_address: string;
}

const home = mkdtempSync(join(tmpdir(), 'aitbc-web-'));
let devnet: Started;
let net: Devnet;
let browser: Browser;
const jobs: { job_id: string; receipt_id: string }[] = [];

async function api<T>(path: string, key: string | null, body?: unknown): Promise<T> {
  const response = await fetch(`${net.coordinator_url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return (await response.json()) as T;
}

/** Submits a demo job and waits until it completes; its receipt then settles on chain by itself. */
async function runJob(prompt: string): Promise<{ job_id: string; receipt_id: string }> {
  const created = await api<{ job_id: string }>('/v1/jobs', net.client_key, { model: 'demo', prompt, max_price: '10', acceptance_window_seconds: 0, params: { max_tokens: 24 } });
  const job = await until(async () => {
    const view = await api<{ status: string; receipt_id: string | null }>(`/v1/jobs/${created.job_id}`, net.client_key);
    return view.status === 'completed' && view.receipt_id ? view : null;
  }, `job ${created.job_id} completed`);
  const done = { job_id: created.job_id, receipt_id: job.receipt_id! };
  jobs.push(done);
  return done;
}

async function settledHeight(receiptId: string): Promise<number> {
  const settled = await until(async () => {
    const response = await fetch(`${net.chain_url}/rpc/receipts/${receiptId}`);
    return response.ok ? ((await response.json()) as { block_height: number }) : null;
  }, `receipt ${receiptId} in a block`);
  return settled.block_height;
}

/** Screenshot and accessibility check at desktop width, then the same at phone width. */
async function checkBothWidths(page: Page, name: string, ready: () => Promise<unknown>): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await screenshot(page, name);
  assert.deepEqual(await seriousViolations(page), [], `${name}: axe at desktop width`);
  await page.setViewportSize(PHONE);
  await ready();
  await screenshot(page, name);
  assert.deepEqual(await seriousViolations(page), [], `${name}: axe at phone width`);
  assert.equal(await overflowsSideways(page), false, `${name}: wider than a phone`);
  await page.setViewportSize(DESKTOP);
}

/** The dark colour scheme passes the same check (its own colours and contrast). */
async function checkDark(page: Page, name: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, `${name}-dark`);
  assert.deepEqual(await seriousViolations(page), [], `${name}: axe in the dark scheme`);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Every request the pages made, with the API key it carried (if any). */
const requests: { url: string; key: string | null }[] = [];

async function openPage(hash: string): Promise<Page> {
  const page = await browser.newPage({ viewport: DESKTOP });
  page.on('pageerror', (error) => console.error(`page error on ${hash}: ${error.message}`));
  page.on('request', (request) => {
    const authorization = request.headers().authorization ?? null;
    requests.push({ url: request.url(), key: authorization?.replace(/^Bearer /, '') ?? null });
  });
  page.on('websocket', (socket) => requests.push({ url: socket.url(), key: null }));
  await page.goto(`${net.coordinator_url}/${hash}`);
  return page;
}

async function enterKey(page: Page, label: RegExp, key: string): Promise<void> {
  await page.getByLabel(label).fill(key);
  await page.getByRole('button', { name: 'Use this key' }).click();
}

before(async () => {
  // The pages under test are the sources as they are now.
  const built = spawnSync('npm', ['run', 'build', '-w', '@aitbc/web'], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stdout + built.stderr);
  const port = await freePort();
  const chainPort = await freePort();
  // The page on the coordinator reads the chain node on another port (and the reverse): the
  // devnet allows both origins by itself, as a user's `npx aitbc devnet` must.
  devnet = await startAitbc(['devnet', '--port', String(port), '--chain-port', String(chainPort)], /Try:/, { cwd: home });
  net = JSON.parse(readFileSync(join(home, '.aitbc', 'devnet.json'), 'utf8')) as Devnet;
  browser = await launchChromium();
  for (const prompt of ['the sea', 'a ship', 'the whale']) await runJob(prompt);
});

after(async () => {
  await browser?.close();
  if (devnet) await stopWith(devnet.child, 'SIGINT');
  rmSync(home, { recursive: true, force: true });
});

test('explorer: the latest blocks, transactions and receipts, and a new block and receipt appear without a reload', async () => {
  await settledHeight(jobs[0]!.receipt_id);
  const page = await openPage('#/');
  const rows = page.locator('[data-testid=latest-blocks] tbody tr');
  await rows.first().waitFor();
  const topBefore = Number(await rows.first().getAttribute('data-height'));
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

  const fresh = await runJob('a new receipt, live');
  await page.locator(`[data-testid=latest-receipts] tr[data-receipt="${fresh.receipt_id}"]`).waitFor({ timeout: 30_000 });
  const topAfter = Number(await rows.first().getAttribute('data-height'));
  assert.ok(topAfter > topBefore, `a newer block is shown (${topBefore} → ${topAfter})`);
  assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, 'no reload');
  assert.ok((await page.locator('[data-testid=latest-txs] tbody tr').count()) > 0, 'transactions listed');
  await page.locator('[data-testid=authorities] tbody tr').first().waitFor();
  assert.match(await page.getByTestId('final-height').innerText(), /#\d+/);
  await checkBothWidths(page, 'explorer', () => rows.first().waitFor());
  await checkDark(page, 'explorer');

  // The keyboard: the first Tab reaches the skip link, which moves focus to the content.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');

  // The search box takes a height, a block hash, a transaction hash, an address and a receipt id.
  const search = async (term: string, lands: RegExp) => {
    await page.goto(`${net.coordinator_url}/#/`);
    await page.getByLabel('Search the chain').fill(term);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(lands);
  };
  const block = (await (await fetch(`${net.chain_url}/rpc/blocks/1`)).json()) as { hash: string; transactions: { hash: string }[] };
  await search('1', /#\/block\/1$/);
  await search(block.hash, new RegExp(`#/block/${block.hash}$`));
  await search(block.transactions[0]!.hash, new RegExp(`#/tx/${block.transactions[0]!.hash}$`));
  await search(net.clearing_address, /#\/account\/ait1/);
  await search(fresh.receipt_id, new RegExp(`#/receipt/${fresh.receipt_id}$`));
  await page.close();
});

test('receipt page: every check by name, the block that settled it, its proof status; then its block, a transaction and an account', async () => {
  const { receipt_id } = jobs[0]!;
  const height = await settledHeight(receipt_id);
  const page = await openPage(`#/receipt/${receipt_id}`);
  const checks = page.locator('[data-testid=receipt-checks] li');
  await checks.first().waitFor();
  const texts = await checks.allInnerTexts();
  assert.ok(texts.some((text) => text.includes('miner_signature')), texts.join('\n'));
  assert.ok(texts.some((text) => text.includes('coordinator_signature')), texts.join('\n'));
  assert.equal(await page.locator('[data-testid=receipt-checks] li.bad').count(), 0, 'every check passes');
  assert.equal(await page.getByTestId('receipt-valid').innerText(), 'valid');
  assert.equal(await page.getByTestId('receipt-block').innerText(), `#${height}`);
  assert.match(await page.getByTestId('receipt-proof').innerText(), /not proven|proven/);
  await checkBothWidths(page, 'receipt', () => checks.first().waitFor());

  await page.getByTestId('receipt-block').getByRole('link').click();
  await page.locator('[data-testid=block-receipts] tbody tr').first().waitFor();
  assert.match(await page.locator('[data-testid=block-receipts]').innerText(), new RegExp(receipt_id.slice(0, 14)));
  await checkBothWidths(page, 'block', () => page.locator('[data-testid=block-receipts] tbody tr').first().waitFor());

  await page.locator('section', { hasText: 'Transactions' }).locator('tbody a.mono').first().click();
  await page.getByTestId('tx-block').waitFor();
  assert.equal(await page.getByTestId('tx-block').innerText(), `#${height}`);
  await checkBothWidths(page, 'tx', () => page.getByTestId('tx-block').waitFor());

  // The clearing address: the demo client's deposit went to it.
  await page.goto(`${net.coordinator_url}/#/account/${net.clearing_address}`);
  await page.locator('[data-testid=account-history] tbody tr').first().waitFor();
  assert.match(await page.getByTestId('account-balance').innerText(), /^\d+(\.\d+)? AITBC$/);
  // The balance is proven in the page against the state root of the head block's header.
  assert.match(await page.getByTestId('account-proof').innerText(), /^\d+(\.\d+)? AITBC balance proven against block \d+'s state root ✓$/);
  await checkBothWidths(page, 'account', () => page.locator('[data-testid=account-history] tbody tr').first().waitFor());

  // The miner's payout address: the settle that paid it is in its history, coming in, with the
  // amount it paid there (a row of the previous page never says "to this address").
  const payout = (await api<{ payout_address: string }>(`/v1/miners/${net.miner_id}`, null)).payout_address;
  await page.goto(`${net.coordinator_url}/#/account/${payout}`);
  const settled = page.locator('[data-testid=account-history] tbody tr', { has: page.getByRole('link', { name: `#${height}`, exact: true }), hasText: 'to this address' });
  await settled.first().waitFor();
  assert.match(await settled.first().innerText(), /settle\s+in\b.*: \d+(\.\d+)? AITBC to this address/);
  await page.close();
});

test('market: models with prices and miners online, and the miner with its models, GPU, uptime and record', async () => {
  const page = await openPage('#/market');
  const models = page.locator('[data-testid=market-models] tbody tr', { hasText: 'demo' });
  await models.first().waitFor();
  assert.match(await models.first().innerText(), /AITBC/);
  assert.match(await page.locator('[data-testid=market-miners]').innerText(), new RegExp(net.miner_id));
  assert.match(await page.getByTestId('miners-online').innerText(), /^[1-9]\d*$/);
  await checkBothWidths(page, 'market', () => models.first().waitFor());
  await page.close();
});

test('client console: the key and its limits, spend, jobs with their receipts, and a playground that streams', async () => {
  const page = await openPage('#/client');
  await enterKey(page, /client API key/, net.client_key);
  const table = page.locator('[data-testid=client-jobs]');
  await table.locator('tbody tr').first().waitFor();
  const listed = await table.innerText();
  for (const job of jobs) assert.ok(listed.includes(job.job_id), `${job.job_id} listed`);
  await page.locator('[data-testid=spend-chart] canvas').first().waitFor();
  assert.notEqual(await page.getByTestId('client-spent').innerText(), '0 AITBC');

  // The answer grows piece by piece: count the changes to the output while it streams.
  await page.getByLabel('Model').selectOption('demo');
  await page.getByLabel('Message').fill('Tell me about the whale.');
  await page.evaluate(() => {
    const output = document.querySelector('[data-testid=playground-output]')!;
    const seen = ((window as unknown as { outputChanges: number }).outputChanges = 0);
    void seen;
    new MutationObserver(() => (window as unknown as { outputChanges: number }).outputChanges++).observe(output, { childList: true, characterData: true, subtree: true });
  });
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByTestId('playground-done').waitFor({ timeout: 30_000 });
  const answer = await page.getByTestId('playground-output').innerText();
  const changes = await page.evaluate(() => (window as unknown as { outputChanges: number }).outputChanges);
  assert.ok(answer.trim().length > 0, 'an answer');
  assert.ok(changes >= 2, `the answer arrived in pieces (${changes} changes)`);
  await checkBothWidths(page, 'client', () => table.locator('tbody tr').first().waitFor());
  await checkDark(page, 'client');
  await page.close();
});

test("miner dashboard: earnings per day by model with the miner's jobs, amounts, payouts and a CSV export", async () => {
  await settledHeight(jobs[jobs.length - 1]!.receipt_id);
  const page = await openPage('#/miner');
  await enterKey(page, /miner API key/, net.miner_key);
  await page.getByLabel('Miner id').fill(net.miner_id);
  await page.getByRole('button', { name: 'Show' }).click();
  const chart = page.getByTestId('earnings-chart');
  await chart.locator('canvas').first().waitFor();
  assert.ok((await chart.locator('th', { hasText: 'demo' }).count()) > 0, 'a demo series');
  assert.ok(Number(await page.getByTestId('miner-jobs').innerText()) >= jobs.length, 'its jobs are in the chart');
  await page.locator('[data-testid=miner-payouts] tbody tr').first().waitFor({ timeout: 30_000 });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8');
  assert.match(csv, /^day,model,jobs,units,earned_ait\r\n\d{4}-\d\d-\d\d,demo,\d+,\d+,[\d.]+\r\n/);
  await checkBothWidths(page, 'miner', () => chart.locator('canvas').first().waitFor());
  await page.close();
});

test('operator panel: the ledger invariant holds, the books match the chain, and the settlement outbox is shown', async () => {
  const page = await openPage('#/operator');
  await enterKey(page, /admin API key/, net.admin_key);
  await page.getByTestId('ledger-ok').waitFor();
  assert.equal(await page.getByTestId('ledger-ok').innerText(), 'holds');
  // Final entries leave the outbox: with every receipt settled it shows nothing waiting.
  await page.locator('[data-testid=outbox] tbody tr, [data-testid=outbox-empty]').first().waitFor();
  assert.match(await page.getByTestId('settlement-lag').innerText(), /^(none waiting|\d+ s)$/);
  assert.match(await page.getByTestId('books-difference').innerText(), /^-?\d+(\.\d+)? AITBC$/);
  assert.equal(await page.getByTestId('chain-problem').count(), 0, 'the node answers, so no problem is shown');
  await checkBothWidths(page, 'operator', () => page.getByTestId('ledger-ok').waitFor());
  await page.close();
});

test('the pages load nothing from elsewhere, and every API key they were given went to the coordinator only', () => {
  assert.ok(requests.length > 0);
  const ours = [net.coordinator_url, net.chain_url, net.chain_url.replace(/^http/, 'ws')];
  const elsewhere = requests.filter((request) => !request.url.startsWith('blob:') && !ours.some((origin) => request.url.startsWith(`${origin}/`)));
  assert.deepEqual(elsewhere, []);
  const keyed = requests.filter((request) => request.key !== null);
  assert.ok(keyed.length > 0, 'the consoles used their keys');
  assert.deepEqual(keyed.filter((request) => !request.url.startsWith(`${net.coordinator_url}/`)), []);
  for (const key of [net.client_key, net.miner_key, net.admin_key]) assert.ok(keyed.some((request) => request.key === key), 'each key was used');
});
