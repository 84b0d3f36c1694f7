// The explorer's front page: the head and final height, the latest blocks, transactions and
// receipts as they happen, the authorities, and the search box.
import { ChainRpc } from '../api/chain.ts';
import { Failure, Stat, TableBox } from '../components/status.tsx';
import { AccountLink, BlockLink, ReceiptLink, TxLink } from '../components/links.tsx';
import { ago, ait, short } from '../format.ts';
import { Authorities } from './authorities.tsx';
import { useLiveChain } from './live-chain.ts';
import { SearchBox } from './search.tsx';
import { counterpart, txSummary } from './tx-summary.ts';
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
          <TableBox label="Latest blocks">
            <table data-testid="latest-blocks">
              <thead>
                <tr><th scope="col">height</th><th scope="col">hash</th><th scope="col">txs</th><th scope="col">receipts</th><th scope="col">age</th></tr>
              </thead>
              <tbody>
                {live.blocks.map((block) => (
                  <tr data-height={block.height}>
                    <td><BlockLink height={block.height} /> {finalHeight !== null && block.height <= finalHeight ? <span class="badge ok">final</span> : null}</td>
                    <td class="mono" title={block.hash}>{short(block.hash)}</td>
                    <td class="num">{block.transactions.length}</td>
                    <td class="num">{block.receipts.length}</td>
                    <td>{ago(block.header.timestamp)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
        </Section>
        <Section id="txs-title" title="Latest transactions">
          <TableBox label="Latest transactions">
            <table data-testid="latest-txs">
              <thead>
                <tr><th scope="col">hash</th><th scope="col">type</th><th scope="col">what</th><th scope="col">block</th></tr>
              </thead>
              <tbody>
                {live.txs.map((tx) => (
                  <tr>
                    <td><TxLink hash={tx.hash} /></td>
                    <td>{tx.body?.type ?? '…'}</td>
                    <td class="wide">{tx.body ? <>{txSummary(tx.body)} {counterpart(tx.body) ? <>→ <AccountLink address={counterpart(tx.body)} /></> : null}</> : null}</td>
                    <td>{tx.status === 'pending' ? <span class="badge">pending</span> : <BlockLink height={tx.block_height} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
        </Section>
        <Section id="receipts-title" title="Latest receipts">
          <TableBox label="Latest receipts">
            <table data-testid="latest-receipts">
              <thead>
                <tr><th scope="col">receipt</th><th scope="col">model</th><th scope="col">price</th><th scope="col">block</th><th scope="col">ZK proof</th></tr>
              </thead>
              <tbody>
                {live.receipts.map((receipt) => (
                  <tr data-receipt={receipt.receipt_id}>
                    <td><ReceiptLink id={receipt.receipt_id} /></td>
                    <td>{receipt.model ?? '…'}</td>
                    <td class="num">{receipt.price ? ait(receipt.price) : '…'}</td>
                    <td><BlockLink height={receipt.block_height} /></td>
                    <td>{receipt.proven ? <span class="badge ok">proven</span> : <span class="muted">none</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
        </Section>
        <Authorities rpc={rpc} blocks={live.blocks} finalHeight={finalHeight} />
      </div>
    </>
  );
}
