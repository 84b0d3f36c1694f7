// The chain's authorities in proposer order, each with its latest finality vote and its share of
// the recent blocks, and how many votes make a block final.
import type { BlockView } from '@aitbc/protocol/wire';
import type { ChainRpc } from '../api/chain.ts';
import { AccountLink, BlockLink } from '../components/links.tsx';
import { DataTable, Show } from '../components/status.tsx';
import { short } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { Section } from '../components/section.tsx';

export function Authorities({ rpc, blocks, finalHeight }: { rpc: ChainRpc; blocks: BlockView[]; finalHeight: number | null }) {
  // Read again when finality moves, so each authority's latest vote stays current.
  const loaded = useLoad(() => rpc.authorities(), [rpc.url, finalHeight]);
  return (
    <Section id="authorities-title" title="Authorities">
      <Show loaded={loaded}>
        {(list) => (
          <>
            <p>
              A block is final with {list.finality_threshold} of {list.authorities.length} votes; one slot every {list.block_interval_ms} ms.
            </p>
            <DataTable
              label="Authorities"
              testId="authorities"
              head={['#', 'key', 'address', 'latest vote', 'recent blocks']}
              rows={list.authorities}
              row={(authority) => (
                <tr>
                  <td class="num">{authority.position}</td>
                  <td class="mono" title={authority.public_key}>{short(authority.public_key, 12)}</td>
                  <td><AccountLink address={authority.address} /></td>
                  <td><BlockLink height={authority.voted_height} /></td>
                  <td class="num">{blocks.filter((block) => block.header.proposer === authority.public_key).length} of {blocks.length}</td>
                </tr>
              )}
            />
          </>
        )}
      </Show>
    </Section>
  );
}
