// One transaction: pending or in which block, final or not, and every field of its body.
import { ChainRpc } from '../api/chain.ts';
import { AccountLink, BlockLink, ReceiptLink } from '../components/links.tsx';
import { DataTable, Show, Stat } from '../components/status.tsx';
import { ait } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { Section } from '../components/section.tsx';

export function TxPage({ chainUrl, hash }: { chainUrl: string; hash: string }) {
  const loaded = useLoad(() => new ChainRpc(chainUrl).tx(hash), [chainUrl, hash]);
  return (
    <Show loaded={loaded}>
      {(tx) => (
        <>
          <h1>Transaction</h1>
          <p class="mono wrap">{tx.hash}</p>
          <dl class="stats">
            <Stat label="Type" value={tx.body.type} />
            <Stat label="Status" value={tx.status === 'pending' ? <span class="badge">pending</span> : tx.final ? <span class="badge ok">final</span> : <span class="badge">included, not final</span>} />
            <Stat label="Block" value={<BlockLink height={tx.block_height} />} testId="tx-block" />
            <Stat label="Fee" value={ait(tx.body.fee)} />
          </dl>
          <Section id="tx-body-title" title="What it does">
            <dl class="fields">
              <dt>from</dt><dd><AccountLink address={tx.body.from} full /></dd>
              <dt>nonce</dt><dd>{tx.body.nonce}</dd>
              {tx.body.type === 'transfer' ? (
                <>
                  <dt>to</dt><dd><AccountLink address={tx.body.to} full /></dd>
                  <dt>amount</dt><dd>{ait(tx.body.amount)}</dd>
                  {tx.body.memo ? <><dt>memo</dt><dd>{tx.body.memo}</dd></> : null}
                </>
              ) : null}
              {tx.body.type === 'bond' || tx.body.type === 'unbond' ? (
                <><dt>amount</dt><dd>{ait(tx.body.amount)}</dd><dt>miner key</dt><dd class="mono">{tx.body.miner_key}</dd></>
              ) : null}
              {tx.body.type === 'anchor_proof' ? <><dt>proves</dt><dd><ReceiptLink id={tx.body.receipt_id} /></dd></> : null}
              {tx.body.type === 'slash' ? (
                <><dt>receipt</dt><dd><ReceiptLink id={tx.body.receipt.receipt_id} /></dd><dt>beneficiary</dt><dd><AccountLink address={tx.body.beneficiary} full /></dd></>
              ) : null}
            </dl>
            {tx.body.type === 'settle' ? (
              <>
                <h3>Receipts</h3>
                <ul class="plain">{tx.body.receipts.map((receipt) => <li><ReceiptLink id={receipt.receipt_id} /> {receipt.model}, {ait(receipt.price)}</li>)}</ul>
                <h3>Payouts</h3>
                <DataTable
                  label="Payouts"
                  head={['to', 'amount']}
                  rows={tx.body.payouts}
                  row={(payout) => <tr><td><AccountLink address={payout.address} full /></td><td class="num">{ait(payout.amount)}</td></tr>}
                />
              </>
            ) : null}
          </Section>
        </>
      )}
    </Show>
  );
}
