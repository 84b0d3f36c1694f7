// The market: each model with its price range, miners online and queue; each miner with its
// models, GPU, uptime, verification record and prices; the queue depth and throughput.
// Refreshed every 10 s while open (the coordinator has no push channel for this).
import { useEffect } from 'preact/hooks';
import type { MinerView } from '@aitbc/protocol/wire';
import { CoordinatorApi } from '../api/coordinator.ts';
import { AccountLink } from '../components/links.tsx';
import { DataTable, Show, Stat } from '../components/status.tsx';
import { ait, duration } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { Section } from '../components/section.tsx';

const MINER_PAGES = 5;

async function allMiners(api: CoordinatorApi): Promise<MinerView[]> {
  const miners: MinerView[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MINER_PAGES; page++) {
    const answer = await api.miners(cursor);
    miners.push(...answer.items);
    cursor = answer.next_cursor;
    if (!cursor) break;
  }
  return miners;
}

function priceRange(min: string | null, max: string | null): string {
  if (min === null || max === null) return '—';
  return min === max ? ait(min) : `${min}–${max} AITBC`;
}

function record(miner: MinerView): string {
  const r = miner.reputation;
  return `${r.verified_jobs} verified; canaries ${r.canaries_passed}/${r.canaries_passed + r.canaries_failed}; re-runs ${r.reexecutions_agreed}/${r.reexecutions_agreed + r.reexecutions_disagreed} agreed; score ${r.score.toFixed(2)}`;
}

export function MarketPage({ coordinatorUrl }: { coordinatorUrl: string }) {
  const api = new CoordinatorApi(coordinatorUrl);
  const loaded = useLoad(() => Promise.all([api.market(), allMiners(api)]), [coordinatorUrl]);
  useEffect(() => {
    const timer = setInterval(loaded.reload, 10_000);
    return () => clearInterval(timer);
  }, [loaded.reload]);
  return (
    <>
      <h1>Market</h1>
      <Show loaded={loaded}>
        {([market, miners]) => (
          <>
            <dl class="stats">
              <Stat label="Miners online" value={market.miners_online} testId="miners-online" />
              <Stat label="Queue depth" value={market.queue_depth} testId="queue-depth" />
              <Stat label="Jobs per minute" value={market.jobs_per_minute} testId="jobs-per-minute" />
              <Stat label="Completed, last hour" value={market.completed_last_hour} />
            </dl>
            <Section id="models-title" title="Models">
              <DataTable
                label="Models on offer"
                testId="market-models"
                head={['model', 'price per token', 'miners online', 'queued', 'capabilities']}
                rows={market.models}
                row={(model) => (
                  <tr>
                    <th scope="row">{model.model}</th>
                    <td class="num">{priceRange(model.min_price, model.max_price)}</td>
                    <td class="num">{model.miners_online}</td>
                    <td class="num">{model.queued}</td>
                    <td>{model.capabilities.join(', ')}</td>
                  </tr>
                )}
              />
            </Section>
            <Section id="miners-title" title="Miners">
              <DataTable
                label="Miners"
                testId="market-miners"
                head={['miner', 'status', 'models and prices', 'GPU', 'uptime', 'verification record', 'payout']}
                rows={miners}
                row={(miner) => (
                  <tr>
                    <th scope="row">{miner.miner_id}</th>
                    <td>{miner.paused ? <span class="badge bad">paused</span> : <span class={`badge ${miner.status === 'online' ? 'ok' : ''}`}>{miner.status}</span>}</td>
                    <td class="wide">{miner.models.map((model) => `${model} ${ait(miner.prices[model])}`).join('; ')}</td>
                    <td>{miner.gpu ? `${miner.gpu.name}${miner.gpu.memory_gb ? `, ${miner.gpu.memory_gb} GB` : ''}` : '—'}</td>
                    <td>{duration(miner.reputation.uptime_s)}</td>
                    <td class="wide">{record(miner)}</td>
                    <td><AccountLink address={miner.payout_address} /></td>
                  </tr>
                )}
              />
            </Section>
          </>
        )}
      </Show>
    </>
  );
}
