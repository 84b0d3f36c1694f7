// One receipt, shareable: what was run and paid, every verification check by name (the
// coordinator's POST /v1/receipts/verify against its pinned keys when a coordinator is known),
// the block that settled it, and whether a zero-knowledge proof of it is on chain.
import type { Receipt, SettledReceipt, VerifyView } from '@aitbc/protocol/wire';
import { useEffect } from 'preact/hooks';
import { ChainRpc, subscribe } from '../api/chain.ts';
import { CoordinatorApi } from '../api/coordinator.ts';
import { ApiFailure } from '../api/http.ts';
import { AccountLink, BlockLink, TxLink } from '../components/links.tsx';
import { DataTable, Show, Stat } from '../components/status.tsx';
import { ait, when } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { Section } from '../components/section.tsx';

interface ReceiptFindings {
  receipt: Receipt;
  /** null: not in a block yet (or no chain known). */
  settled: SettledReceipt | null;
  /** null: no coordinator known; the chain's view stands. */
  verdict: VerifyView | null;
}

const notFound = (error: unknown) => error instanceof ApiFailure && error.status === 404;

async function findReceipt(id: string, chainUrl: string | null, coordinatorUrl: string | null): Promise<ReceiptFindings> {
  const settled = chainUrl ? await new ChainRpc(chainUrl).receipt(id).catch((error) => (notFound(error) ? null : Promise.reject(error))) : null;
  const coordinator = coordinatorUrl ? new CoordinatorApi(coordinatorUrl) : null;
  const receipt = settled?.receipt ?? (coordinator ? await coordinator.receipt(id) : null);
  if (!receipt) throw new ApiFailure(404, 'RECEIPT_NOT_FOUND', `No block holds receipt ${id} yet.`);
  const verdict = coordinator ? await coordinator.verify(receipt) : null;
  return { receipt, settled, verdict };
}

export function ReceiptPage({ chainUrl, coordinatorUrl, id }: { chainUrl: string | null; coordinatorUrl: string | null; id: string }) {
  const loaded = useLoad(() => findReceipt(id, chainUrl, coordinatorUrl), [chainUrl, coordinatorUrl, id]);
  // Read again when the chain settles or proves this receipt, so its block and proof appear as they happen.
  useEffect(() => {
    if (!chainUrl) return;
    return subscribe(chainUrl, ['receipts'], { onEvent: (event) => event.topic === 'receipts' && event.receipt_id === id && loaded.reload() });
  }, [chainUrl, id]);
  return (
    <Show loaded={loaded}>
      {({ receipt, settled, verdict }) => (
        <>
          <h1>Receipt</h1>
          <p class="mono wrap">{receipt.receipt_id}</p>
          <dl class="stats">
            <Stat
              label="Verification"
              testId="receipt-valid"
              value={verdict ? (verdict.valid ? <span class="badge ok">valid</span> : <span class="badge bad">invalid</span>) : settled ? <span class="badge ok">accepted by the chain</span> : '—'}
            />
            <Stat label="Settled in" value={settled ? <BlockLink height={settled.block_height} /> : <span class="badge">not yet</span>} testId="receipt-block" />
            <Stat
              label="ZK proof"
              testId="receipt-proof"
              value={settled?.proven ? <span class="badge ok">proven in <BlockLink height={settled.proof_block_height} /></span> : <span class="muted">not proven</span>}
            />
            <Stat label="Price" value={ait(receipt.price)} />
          </dl>
          <Section id="checks-title" title="Checks">
            {verdict ? (
              <ul class="checks" data-testid="receipt-checks">
                {verdict.checks.map((check) => (
                  <li class={check.ok ? 'ok' : 'bad'}>
                    <span aria-hidden="true">{check.ok ? '✓' : '✗'}</span> <strong>{check.name}</strong>
                    <span class="visually-hidden">{check.ok ? ' passed' : ' failed'}</span>: {check.detail}
                  </li>
                ))}
              </ul>
            ) : (
              <p>
                No coordinator is known to this page, so it shows the chain's view: a node admits a settle transaction only after checking the miner's
                and the coordinator's signatures on every receipt in it.
              </p>
            )}
            {settled?.proof_tx_hash ? <p>Proof transaction: <TxLink hash={settled.proof_tx_hash} /></p> : null}
          </Section>
          <Section id="receipt-fields-title" title="What it says">
            <dl class="fields">
              <dt>job</dt><dd class="mono">{receipt.job_id}</dd>
              <dt>miner</dt><dd>{receipt.miner_id}</dd>
              <dt>client</dt><dd>{receipt.client}</dd>
              <dt>paid to</dt><dd><AccountLink address={receipt.provider} full /></dd>
              <dt>model</dt><dd>{receipt.model}{receipt.model_digest ? <span class="mono"> ({receipt.model_digest})</span> : null}</dd>
              <dt>units</dt><dd>{receipt.units} {receipt.unit_type} at {ait(receipt.unit_price)}</dd>
              <dt>started</dt><dd>{when(receipt.started_at)}</dd>
              <dt>completed</dt><dd>{when(receipt.completed_at)}</dd>
              <dt>prompt hash</dt><dd class="mono">{receipt.prompt_hash}</dd>
              <dt>output hash</dt><dd class="mono">{receipt.output_hash}</dd>
              <dt>version</dt><dd>{receipt.version}{receipt.backend ? `, backend ${receipt.backend}` : ''}</dd>
            </dl>
            <DataTable
              label="Signatures"
              head={['role', 'key']}
              rows={receipt.signatures}
              row={(signature) => <tr><td>{signature.role}</td><td class="mono">{signature.key_id}</td></tr>}
            />
            {settled ? null : <p class="muted">Receipts reach a block when the coordinator settles them (usually within seconds).</p>}
          </Section>
        </>
      )}
    </Show>
  );
}

