// The client console: your key and its limits, your balances, spend over time, your jobs and
// their receipts (with the block that settled each), and the playground.
import { parseAmount, formatAmount } from '@aitbc/protocol/money';
import { CoordinatorApi } from '../api/coordinator.ts';
import { DayChart } from '../components/day-chart.tsx';
import { KeyGate } from '../components/key-gate.tsx';
import { BlockLink, ReceiptLink, TxLink } from '../components/links.tsx';
import { DataTable, Show, Stat } from '../components/status.tsx';
import { ait, aitForChart, when } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { Playground } from './playground.tsx';
import { Section } from '../components/section.tsx';

/** The days the charts cover, today included. */
const PERIOD_DAYS = 30;

function ClientConsole({ coordinatorUrl, apiKey, forget }: { coordinatorUrl: string; apiKey: string; forget: () => void }) {
  const api = new CoordinatorApi(coordinatorUrl, apiKey);
  const overview = useLoad(() => Promise.all([api.key(), api.account(), api.spend(PERIOD_DAYS)]), [coordinatorUrl, apiKey]);
  const jobs = useLoad(() => Promise.all([api.jobs(20), api.receipts({ limit: 20 })]), [coordinatorUrl, apiKey]);
  const models = useLoad(() => api.models(), [coordinatorUrl]);
  return (
    <>
      <div class="row spread">
        <p class="muted">Using the key kept in this browser.</p>
        <button type="button" onClick={forget}>Forget this key</button>
      </div>
      <Show loaded={overview}>
        {([key, account, spend]) => {
          const total = spend.days.reduce((sum, day) => sum + parseAmount(day.spent), 0n);
          return (
            <>
              <dl class="stats">
                <Stat label="Available" value={ait(account.available)} testId="client-available" />
                <Stat label="Escrowed" value={ait(account.escrowed)} />
                <Stat label={`Spent, ${PERIOD_DAYS} days`} value={ait(formatAmount(total))} testId="client-spent" />
                <Stat label="Jobs today" value={key.used_today === null ? 'not counted (no quota)' : `${key.used_today} of ${key.daily_job_quota}`} />
              </dl>
              <Section id="key-title" title="Your key">
                <dl class="fields">
                  <dt>key id</dt><dd class="mono">{key.key_id}</dd>
                  <dt>account</dt><dd>{key.account ?? '—'}</dd>
                  <dt>scopes</dt><dd>{key.scopes.join(', ')}</dd>
                  <dt>rate limit</dt><dd>{key.rate_limit_per_minute === null ? 'the coordinator default' : `${key.rate_limit_per_minute} requests a minute`}</dd>
                  <dt>daily job quota</dt><dd>{key.daily_job_quota === null ? 'none' : `${key.daily_job_quota} (used ${key.used_today})`}</dd>
                  <dt>expires</dt><dd>{key.expires_at ? when(key.expires_at) : 'never'}</dd>
                  <dt>created</dt><dd>{when(key.created_at)}</dd>
                </dl>
              </Section>
              <Section id="spend-title" title="Spend">
                <DayChart title="AITBC spent per day" unit="AIT" periodDays={PERIOD_DAYS} testId="spend-chart" days={spend.days.map((day) => day.day)} series={[{ name: 'spent', values: spend.days.map((day) => aitForChart(day.spent)) }]} />
              </Section>
            </>
          );
        }}
      </Show>
      <Show loaded={jobs}>
        {([jobPage, receiptPage]) => {
          const settlement = new Map(receiptPage.items.map((receipt) => [receipt.receipt_id, receipt.settlement]));
          return (
            <Section id="jobs-title" title="Your jobs">
              <DataTable
                label="Your jobs"
                testId="client-jobs"
                head={['job', 'status', 'model', 'price', 'created', 'receipt', 'settled in']}
                rows={jobPage.items}
                row={(job) => {
                  const settled = job.receipt_id ? settlement.get(job.receipt_id) : null;
                  return (
                    <tr>
                      <td class="mono">{job.job_id}</td>
                      <td>{job.status}</td>
                      <td>{job.model}</td>
                      <td class="num">{ait(job.price)}</td>
                      <td>{when(job.created_at)}</td>
                      <td><ReceiptLink id={job.receipt_id} /></td>
                      <td>{settled?.block_height !== null && settled?.block_height !== undefined ? <><BlockLink height={settled.block_height} /> <TxLink hash={settled.tx_hash} /></> : '—'}</td>
                    </tr>
                  );
                }}
              />
              {jobPage.items.length === 0 ? <p class="muted">No jobs yet: try the playground below.</p> : null}
            </Section>
          );
        }}
      </Show>
      <Playground coordinatorUrl={coordinatorUrl} apiKey={apiKey} models={models.data?.data.map((model) => model.id) ?? []} />
    </>
  );
}

export function ClientPage({ coordinatorUrl }: { coordinatorUrl: string }) {
  return (
    <>
      <h1>Client console</h1>
      <KeyGate role="client">{(key, forget) => <ClientConsole coordinatorUrl={coordinatorUrl} apiKey={key} forget={forget} />}</KeyGate>
    </>
  );
}
