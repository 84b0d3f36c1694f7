// The explorer's search box: a height, a block or transaction hash, an ait1… address or a
// receipt id, each sent to its page (a hash is tried as a block first, then as a transaction).
import { useState } from 'preact/hooks';
import type { ChainRpc } from '../api/chain.ts';
import { href } from '../router.ts';

export async function destinationOf(rpc: ChainRpc, text: string): Promise<string | null> {
  const term = text.trim();
  if (/^\d+$/.test(term)) return href('block', term);
  if (/^ait1/i.test(term)) return href('account', term);
  if (/^rcpt-/i.test(term)) return href('receipt', term);
  if (/^job-/i.test(term)) return null;
  try {
    await rpc.block(term);
    return href('block', term);
  } catch {
    try {
      await rpc.tx(term);
      return href('tx', term);
    } catch {
      return null;
    }
  }
}

export function SearchBox({ rpc }: { rpc: ChainRpc }) {
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <form
      role="search"
      class="search"
      onSubmit={async (event) => {
        event.preventDefault();
        const term = String(new FormData(event.currentTarget).get('q') ?? '');
        const destination = await destinationOf(rpc, term);
        if (destination) {
          setProblem(null);
          location.hash = destination;
        } else setProblem(`Nothing on the chain matches “${term.trim()}”.`);
      }}
    >
      <label for="explorer-search">Search the chain</label>
      <div class="row">
        <input id="explorer-search" name="q" type="search" placeholder="height, hash, ait1… address or rcpt-… id" spellcheck={false} required />
        <button type="submit">Search</button>
      </div>
      {problem ? <p class="failure" role="status">{problem}</p> : null}
    </form>
  );
}
