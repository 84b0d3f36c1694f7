// A transaction's one-line summary and, when it goes to someone, a link to them.
import type { SignedTx } from '@aitbc/protocol/wire';
import { AccountLink } from '../components/links.tsx';
import { counterpart, txSummary } from './tx-summary.ts';

export function TxWhat({ body }: { body: SignedTx['body'] }) {
  const to = counterpart(body);
  return (
    <>
      {txSummary(body)} {to ? <>→ <AccountLink address={to} /></> : null}
    </>
  );
}
