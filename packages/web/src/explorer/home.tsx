// The explorer's front page: the head and final height, the latest blocks, transactions and
// receipts as they happen, the authorities, and the search box.
import { ChainRpc } from '../api/chain.ts';
import { DataTable, Failure, Stat } from '../components/status.tsx';
import { BlockLink, ReceiptLink, TxLink } from '../components/links.tsx';
import { ago, ait, short } from '../format.ts';
import { Authorities } from './authorities.tsx';
import { useLiveChain } from './live-chain.ts';
import { SearchBox } from './search.tsx';
import { TxWhat } from './tx-what.tsx';
import { Section } from '../components/section.tsx';

export function ExplorerHome({ chainUrl }: { chainUrl: string }) {
  const rpc = new ChainRpc(chainUrl);
  const { live, socket, error } = useLiveChain(rpc);
  const { head, finalHeight } = live;
  return (
    <>
      <h1>Explorer</h1>
      <SearchBox rpc={rpc} />
      <p class="live" role="status">
        <span class={`dot ${socket}`} aria-hidden="true" />
        {socket === 'live' ? 'Live: new blocks appear as the node makes them' : socket === 'connecting' ? 'Connecting to the node…' : 'Connection lost; reconnecting…'}
      </p>
      {error ? <Failure error={error} /> : null}
      <dl class="stats">
        <Stat label="Head" value={head ? <BlockLink height={head.height} /> : '…'} testId="head-height" />
        <Stat label="Final height" value={finalHeight === null ? '…' : <BlockLink height={finalHeight} />} testId="final-height" />
        <Stat label="Chain" value={head?.chain_id ?? '…'} />
        <Stat label="Last block" value={head ? ago(head.timestamp) : '…'} />
      </dl>
      <div class="grid">
        <Section id="blocks-title" title="Latest blocks">
          <DataTable
            label="Latest blocks"
            testId="latest-blocks"
            head={['height', 'hash', 'txs', 'receipts', 'age']}
            rows={live.blocks}
            row={(block) => (
              <tr data-height={block.height}>
                <td><BlockLink height={block.height} /> {finalHeight !== null && block.height <= finalHeight ? <span class="badge ok">final</span> : null}</td>
                <td class="mono" title={block.hash}>{short(block.hash)}</td>
                <td class="num">{block.transactions.length}</td>
                <td class="num">{block.receipts.length}</td>
                <td>{ago(block.header.timestamp)}</td>
              </tr>
            )}
          />
        </Section>
        <Section id="txs-title" title="Latest transactions">
          <DataTable
            label="Latest transactions"
            testId="latest-txs"
            head={['hash', 'type', 'what', 'block']}
            rows={live.txs}
            row={(tx) => (
              <tr>
                <td><TxLink hash={tx.hash} /></td>
                <td>{tx.body?.type ?? '…'}</td>
                <td class="wide">{tx.body ? <TxWhat body={tx.body} /> : null}</td>
                <td>{tx.status === 'pending' ? <span class="badge">pending</span> : <BlockLink height={tx.block_height} />}</td>
              </tr>
            )}
          />
        </Section>
        <Section id="receipts-title" title="Latest receipts">
          <DataTable
            label="Latest receipts"
            testId="latest-receipts"
            head={['receipt', 'model', 'price', 'block', 'ZK proof']}
            rows={live.receipts}
            row={(receipt) => (
              <tr data-receipt={receipt.receipt_id}>
                <td><ReceiptLink id={receipt.receipt_id} /></td>
                <td>{receipt.model ?? '…'}</td>
                <td class="num">{receipt.price ? ait(receipt.price) : '…'}</td>
                <td><BlockLink height={receipt.block_height} /></td>
                <td>{receipt.proven ? <span class="badge ok">proven</span> : <span class="muted">none</span>}</td>
              </tr>
            )}
          />
        </Section>
        <Authorities rpc={rpc} blocks={live.blocks} finalHeight={finalHeight} />
      </div>
    </>
  );
}
