// The miner dashboard: earnings per day and per model, the amounts held (acceptance window),
// earned, pending settlement and settled, the payout transactions on chain, and a CSV export.
import { useState } from 'preact/hooks';
import { CoordinatorApi } from '../api/coordinator.ts';
import { DayChart } from '../components/day-chart.tsx';
import { earningsByModel } from './earnings-by-model.ts';
import { KeyGate } from '../components/key-gate.tsx';
import { BlockLink, TxLink } from '../components/links.tsx';
import { DataTable, Show, Stat } from '../components/status.tsx';
import { download, toCsv } from '../csv.ts';
import { ait, when } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { Section } from '../components/section.tsx';

/** The days the charts cover, today included. */
const PERIOD_DAYS = 30;

const MINER_ID_KEY = 'aitbc.miner_id';

function Dashboard({ coordinatorUrl, apiKey, minerId }: { coordinatorUrl: string; apiKey: string; minerId: string }) {
  const loaded = useLoad(() => new CoordinatorApi(coordinatorUrl, apiKey).earnings(minerId, PERIOD_DAYS), [coordinatorUrl, apiKey, minerId]);
  return (
    <Show loaded={loaded}>
      {(series) => {
        const { days, byModel } = earningsByModel(series);
        const jobs = series.days.reduce((sum, row) => sum + row.jobs, 0);
        const exportCsv = () =>
          download(
            `aitbc-earnings-${series.miner_id}.csv`,
            toCsv(['day', 'model', 'jobs', 'units', 'earned_ait'], series.days.map((row) => [row.day, row.model, row.jobs, row.units, row.earned])),
          );
        return (
          <>
            <dl class="stats">
              <Stat label="Held (acceptance window)" value={ait(series.held)} testId="miner-held" />
              <Stat label="Earned, not claimed" value={ait(series.earned)} testId="miner-earned" />
              <Stat label="Claimed, pending settlement" value={ait(series.claimed)} testId="miner-pending" />
              <Stat label="Settled on chain" value={ait(series.settled)} testId="miner-settled" />
              <Stat label={`Jobs, ${PERIOD_DAYS} days`} value={jobs} testId="miner-jobs" />
            </dl>
            <Section id="earnings-title" title="Earnings" action={<button type="button" onClick={exportCsv}>Export CSV</button>}>
              <DayChart title="AITBC earned per day, by model" unit="AIT" periodDays={PERIOD_DAYS} testId="earnings-chart" days={days} series={byModel} />
            </Section>
            <Section id="payouts-title" title="Payouts">
              <DataTable
                label="Payout transactions"
                testId="miner-payouts"
                head={['when', 'state', 'amount', 'receipts', 'transaction', 'block']}
                rows={series.payouts}
                row={(payout) => (
                  <tr>
                    <td>{when(payout.at)}</td>
                    <td>{payout.state === 'final' ? <span class="badge ok">final</span> : payout.state}</td>
                    <td class="num">{ait(payout.amount)}</td>
                    <td class="num">{payout.receipts}</td>
                    <td><TxLink hash={payout.tx_hash} /></td>
                    <td><BlockLink height={payout.block_height} /></td>
                  </tr>
                )}
              />
              {series.payouts.length === 0 ? <p class="muted">No payouts yet: earnings are paid on chain once claimed and settled.</p> : null}
            </Section>
          </>
        );
      }}
    </Show>
  );
}

function MinerChooser({ coordinatorUrl, apiKey, forget }: { coordinatorUrl: string; apiKey: string; forget: () => void }) {
  const [minerId, setMinerId] = useState(() => localStorage.getItem(MINER_ID_KEY) ?? '');
  return (
    <>
      <form
        class="row card"
        onSubmit={(event) => {
          event.preventDefault();
          const chosen = String(new FormData(event.currentTarget).get('miner_id') ?? '').trim();
          localStorage.setItem(MINER_ID_KEY, chosen);
          setMinerId(chosen);
        }}
      >
        <label for="miner-id">Miner id</label>
        <input id="miner-id" name="miner_id" value={minerId} required spellcheck={false} />
        <button type="submit">Show</button>
        <button type="button" onClick={forget}>Forget the key</button>
      </form>
      {minerId ? <Dashboard coordinatorUrl={coordinatorUrl} apiKey={apiKey} minerId={minerId} /> : <p class="muted">Which of your miners?</p>}
    </>
  );
}

export function MinerPage({ coordinatorUrl }: { coordinatorUrl: string }) {
  return (
    <>
      <h1>Miner dashboard</h1>
      <KeyGate role="miner">{(key, forget) => <MinerChooser coordinatorUrl={coordinatorUrl} apiKey={key} forget={forget} />}</KeyGate>
    </>
  );
}
