// One block: its header, whether it is final, its transactions and the receipts it settles.
import { ChainRpc } from '../api/chain.ts';
import { AccountLink, BlockLink, ReceiptLink, TxLink } from '../components/links.tsx';
import { DataTable, Show, Stat } from '../components/status.tsx';
import { ait, when } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { TxWhat } from './tx-what.tsx';
import { Section } from '../components/section.tsx';

export function BlockPage({ chainUrl, id }: { chainUrl: string; id: string }) {
  const rpc = new ChainRpc(chainUrl);
  const loaded = useLoad(() => Promise.all([rpc.block(id), rpc.head()]), [chainUrl, id]);
  return (
    <Show loaded={loaded}>
      {([block, head]) => (
        <>
          <h1>Block #{block.height}</h1>
          <dl class="stats">
            <Stat label="Status" value={block.height <= head.finalized_height ? <span class="badge ok">final</span> : <span class="badge">not final yet</span>} testId="block-final" />
            <Stat label="Time" value={when(block.header.timestamp)} />
            <Stat label="Transactions" value={block.transactions.length} />
            <Stat label="Receipts settled" value={block.receipts.length} />
          </dl>
          <nav aria-label="Neighbouring blocks" class="row">
            {block.height > 0 ? <a href={`#/block/${block.height - 1}`}>← #{block.height - 1}</a> : null}
            {block.height < head.height ? <a href={`#/block/${block.height + 1}`}>#{block.height + 1} →</a> : null}
          </nav>
          <Section id="header-title" title="Header">
            <dl class="fields">
              <dt>hash</dt><dd class="mono">{block.hash}</dd>
              <dt>parent</dt><dd class="mono">{block.height > 0 ? <a href={`#/block/${block.height - 1}`}>{block.header.parent_hash}</a> : block.header.parent_hash}</dd>
              <dt>proposer</dt><dd class="mono">{block.header.proposer || '(genesis)'}</dd>
              <dt>tx root</dt><dd class="mono">{block.header.tx_root}</dd>
              <dt>receipt root</dt><dd class="mono">{block.header.receipt_root}</dd>
              <dt>state root</dt><dd class="mono">{block.header.state_root}</dd>
            </dl>
          </Section>
          <Section id="block-txs-title" title="Transactions">
            <DataTable
              label="The block's transactions"
              head={['hash', 'type', 'from', 'what']}
              rows={block.transactions}
              row={(tx) => (
                <tr>
                  <td><TxLink hash={tx.hash} /></td>
                  <td>{tx.body.type}</td>
                  <td><AccountLink address={tx.body.from} /></td>
                  <td><TxWhat body={tx.body} /></td>
                </tr>
              )}
            />
          </Section>
          <Section id="block-receipts-title" title="Receipts settled">
            <DataTable
              label="Receipts the block settles"
              testId="block-receipts"
              head={['receipt', 'miner', 'model', 'price']}
              rows={block.receipts}
              row={(receipt) => (
                <tr>
                  <td><ReceiptLink id={receipt.receipt_id} /></td>
                  <td>{receipt.miner_id}</td>
                  <td>{receipt.model}</td>
                  <td class="num">{ait(receipt.price)}</td>
                </tr>
              )}
            />
          </Section>
          <p><BlockLink height={head.height} /> is the head.</p>
        </>
      )}
    </Show>
  );
}
