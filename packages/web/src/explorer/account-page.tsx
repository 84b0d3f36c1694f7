// One address: its balance, nonce and bonds (the balance proven in the page against the head
// block's state root, docs/STATE-TREE.md), and its transactions (sent, received or paying it), newest first.
import { verifyAccountProof } from '@aitbc/protocol';
import { formatAmount } from '@aitbc/protocol/money';
import type { AccountProof } from '@aitbc/protocol/wire';
import { ChainRpc } from '../api/chain.ts';
import { AccountLink, BlockLink, TxLink } from '../components/links.tsx';
import { DataTable, Show, Stat } from '../components/status.tsx';
import { ait, when } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { settledTo } from '@aitbc/protocol/wire';
import { counterpart, txSummary } from './tx-summary.ts';
import { Section } from '../components/section.tsx';

export function AccountPage({ chainUrl, address }: { chainUrl: string; address: string }) {
  const rpc = new ChainRpc(chainUrl);
  const loaded = useLoad(() => Promise.all([rpc.account(address), rpc.accountTxs(address), provenBalance(rpc, address)]), [chainUrl, address]);
  return (
    <Show loaded={loaded}>
      {([account, history, proven]) => (
        <>
          <h1>Account</h1>
          <p class="mono wrap">{account.address}</p>
          <dl class="stats">
            <Stat label="Balance" value={ait(account.balance)} testId="account-balance" />
            <Stat label="Nonce" value={account.nonce} />
            <Stat label="Bonded" value={ait(account.bonded)} />
            <Stat label="Unbonding" value={ait(account.unbonding)} />
          </dl>
          <p data-testid="account-proof" class={proven.ok ? undefined : 'failure'}>
            {proven.ok
              ? `${ait(proven.balance)} balance proven against block ${proven.height}'s state root ✓`
              : `The node's proof of this balance against block ${proven.height}'s state root does not verify ✗`}
          </p>
          <Section id="history-title" title="History">
            <DataTable
              label="The account's transactions"
              testId="account-history"
              head={['hash', 'block', 'time', 'type', 'direction', 'what', 'fee']}
              rows={history.transactions}
              row={(tx) => {
                const outgoing = tx.body.from === account.address;
                const other = outgoing ? counterpart(tx.body) : tx.body.from;
                const earned = settledTo(tx.body, account.address);
                return (
                  <tr>
                    <td><TxLink hash={tx.hash} /></td>
                    <td><BlockLink height={tx.block_height} /></td>
                    <td>{when(tx.block_time)}</td>
                    <td>{tx.body.type}</td>
                    <td>{outgoing ? 'out' : 'in'} {other ? <AccountLink address={other} /> : null}</td>
                    <td>{txSummary(tx.body)}{earned === null ? null : `: ${ait(earned)} to this address`}</td>
                    <td>{ait(tx.body.fee)}</td>
                  </tr>
                );
              }}
            />
            {history.transactions.length === 0 ? <p class="muted">No transactions yet.</p> : null}
          </Section>
        </>
      )}
    </Show>
  );
}

/**
 * The address's proof at the head, checked here against the state root in that block's header
 * (the node could lie in its answer, not in a header its peers also hold).
 */
async function provenBalance(rpc: ChainRpc, address: string): Promise<{ ok: boolean; height: number; balance: string }> {
  const answer: AccountProof = await rpc.accountProof(address);
  const block = await rpc.block(answer.height);
  const ok = block.hash === answer.block_hash && verifyAccountProof(answer, block.header.state_root);
  return { ok, height: answer.height, balance: formatAmount(BigInt(answer.account?.balance ?? '0')) };
}
