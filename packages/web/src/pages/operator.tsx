// The operator panel (admin key): the ledger invariant, the books against the clearing address
// on chain, the settlement outbox and how far it lags, and deposits waiting for an operator.
import { CoordinatorApi } from '../api/coordinator.ts';
import { KeyGate } from '../components/key-gate.tsx';
import { AccountLink, BlockLink, TxLink } from '../components/links.tsx';
import { DataTable, Show, Stat } from '../components/status.tsx';
import { ago, ait, when } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { settlementLag } from './settlement-lag.ts';
import { Section } from '../components/section.tsx';

function Panel({ coordinatorUrl, apiKey, forget }: { coordinatorUrl: string; apiKey: string; forget: () => void }) {
  const api = new CoordinatorApi(coordinatorUrl, apiKey);
  const loaded = useLoad(() => Promise.all([api.ledger(), api.chainBooks()]), [coordinatorUrl, apiKey]);
  return (
    <>
      <div class="row spread">
        <button type="button" onClick={loaded.reload}>Refresh</button>
        <button type="button" onClick={forget}>Forget this key</button>
      </div>
      <Show loaded={loaded}>
        {([ledger, chain]) => {
          const lag = settlementLag(chain);
          return (
            <>
              <dl class="stats">
                <Stat label="Ledger invariant" value={ledger.ok ? <span class="badge ok">holds</span> : <span class="badge bad">broken</span>} testId="ledger-ok" />
                <Stat label="Chain" value={chain.chain} />
                <Stat label="Books − chain" value={chain.difference === null ? '—' : ait(chain.difference)} testId="books-difference" />
                <Stat label="Settlement lag" value={lag.lagMs === null ? 'none waiting' : `${Math.round(lag.lagMs / 1000)} s`} testId="settlement-lag" />
                <Stat label="Outbox in flight" value={lag.inFlight} />
              </dl>
              <Section id="ledger-title" title="Ledger">
                <p>Every credit is available, escrowed, held, earned, claimed or withdrawing, over {ledger.jobs} {ledger.jobs === 1 ? 'job' : 'jobs'}:</p>
                <dl class="fields">
                  {Object.entries(ledger.totals).map(([name, amount]) => <><dt>{name}</dt><dd>{ait(amount)}</dd></>)}
                </dl>
                {ledger.problems.length > 0 ? <ul class="failure">{ledger.problems.map((problem) => <li>{problem}</li>)}</ul> : null}
              </Section>
              <Section id="books-title" title="Books and chain">
                <dl class="fields">
                  <dt>clearing address</dt><dd><AccountLink address={chain.clearing_address} full /></dd>
                  <dt>on chain{chain.on_chain_balance === null || chain.on_chain_height === null ? '' : ` (block ${chain.on_chain_height})`}</dt><dd>{ait(chain.on_chain_balance)}</dd>
                  {chain.books ? Object.entries(chain.books).map(([name, amount]) => <><dt>{name.replace(/_/g, ' ')}</dt><dd>{ait(amount)}</dd></>) : null}
                </dl>
                {chain.chain_problem ? <p class="failure" data-testid="chain-problem">{chain.chain_problem}</p> : null}
              </Section>
              <Section id="outbox-title" title="Settlement outbox">
                {chain.outbox.length === 0 ? (
                  <p class="muted" data-testid="outbox-empty">Nothing waiting: every settlement, withdrawal and slash is final on chain.</p>
                ) : (
                  <DataTable
                    label="Settlement outbox"
                    testId="outbox"
                    head={['id', 'kind', 'state', 'amount', 'receipts', 'transaction', 'block', 'age']}
                    rows={chain.outbox}
                    row={(entry) => (
                      <tr>
                        <td class="num">{entry.outbox_id}</td>
                        <td>{entry.kind}</td>
                        <td>{entry.state}{entry.error_code ? <span class="failure"> {entry.error_code}</span> : null}</td>
                        <td class="num">{ait(entry.amount)}</td>
                        <td class="num">{entry.receipts}</td>
                        <td><TxLink hash={entry.tx_hash} /></td>
                        <td><BlockLink height={entry.block_height} /></td>
                        <td>{ago(entry.created_at)}</td>
                      </tr>
                    )}
                  />
                )}
              </Section>
              <Section id="deposits-title" title="Deposits waiting for an operator">
                {chain.unmatched_deposits.length === 0 ? (
                  <p class="muted" data-testid="no-unmatched">None: every deposit named an account.</p>
                ) : (
                  <DataTable
                    label="Unmatched deposits"
                    head={['from', 'amount', 'memo', 'transaction', 'seen']}
                    rows={chain.unmatched_deposits}
                    row={(deposit) => (
                      <tr>
                        <td><AccountLink address={deposit.from} /></td>
                        <td class="num">{ait(deposit.amount)}</td>
                        <td>{deposit.memo ?? '—'}</td>
                        <td><TxLink hash={deposit.tx_hash} /></td>
                        <td>{when(deposit.seen_at)}</td>
                      </tr>
                    )}
                  />
                )}
              </Section>
            </>
          );
        }}
      </Show>
    </>
  );
}

export function OperatorPage({ coordinatorUrl }: { coordinatorUrl: string }) {
  return (
    <>
      <h1>Operator panel</h1>
      <KeyGate role="admin">{(key, forget) => <Panel coordinatorUrl={coordinatorUrl} apiKey={key} forget={forget} />}</KeyGate>
    </>
  );
}
