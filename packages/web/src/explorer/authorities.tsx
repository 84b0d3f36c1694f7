// The chain's authorities (the keys that may propose and vote). A node that answers
// GET /rpc/authorities is asked; otherwise the proposers of the recent blocks are shown, and
// said to be only that.
import type { BlockView } from '@aitbc/protocol/wire';
import { requestJson } from '../api/http.ts';
import { useLoad } from '../hooks.ts';
import { short } from '../format.ts';

interface AuthorityList {
  authorities: (string | { public_key: string; address?: string })[];
}

export function Authorities({ chainUrl, blocks }: { chainUrl: string; blocks: BlockView[] }) {
  const listed = useLoad(() => requestJson<AuthorityList>(chainUrl, '/rpc/authorities'), [chainUrl]);
  const keys = listed.data
    ? listed.data.authorities.map((authority) => (typeof authority === 'string' ? authority : authority.public_key))
    : [...new Set(blocks.map((block) => block.header.proposer).filter((key) => key !== ''))];
  return (
    <section aria-labelledby="authorities-title" class="card">
      <h2 id="authorities-title">Authorities</h2>
      {!listed.data ? <p class="muted">Proposers of the blocks shown (this node does not list its authorities).</p> : null}
      <ul class="plain">
        {keys.map((key) => (
          <li class="mono" title={key}>
            {short(key, 16)} <span class="muted">({blocks.filter((block) => block.header.proposer === key).length} of the last {blocks.length} blocks)</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
