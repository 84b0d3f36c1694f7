// The page frame (skip link, header with the navigation, main landmark) and the route table.
import type { ComponentChildren } from 'preact';
import type { Endpoints } from './api/config.ts';
import { AccountPage } from './explorer/account-page.tsx';
import { BlockPage } from './explorer/block-page.tsx';
import { ExplorerHome } from './explorer/home.tsx';
import { ReceiptPage } from './explorer/receipt-page.tsx';
import { TxPage } from './explorer/tx-page.tsx';
import { ClientPage } from './pages/client.tsx';
import { MarketPage } from './pages/market.tsx';
import { MinerPage } from './pages/miner.tsx';
import { OperatorPage } from './pages/operator.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { useRoute, type Route } from './router.ts';

const NAV = [
  { page: '', label: 'Explorer' },
  { page: 'market', label: 'Market' },
  { page: 'client', label: 'Console' },
  { page: 'miner', label: 'Miner' },
  { page: 'operator', label: 'Operator' },
  { page: 'settings', label: 'Settings' },
];
const EXPLORER_PAGES = new Set(['', 'block', 'tx', 'account', 'receipt']);

/** A page whose server this page was not told of. */
function Missing({ server }: { server: string }) {
  return <p class="failure" role="alert">This page needs the {server}'s URL, which the hosting server did not give: set it on the <a href="#/settings">settings page</a>.</p>;
}

function pageFor(route: Route, endpoints: Endpoints): ComponentChildren {
  const chain = endpoints.chain_url;
  const coordinator = endpoints.coordinator_url;
  const [arg = ''] = route.args;
  const needChain = (render: (url: string) => ComponentChildren) => (chain ? render(chain) : <Missing server="chain node" />);
  const needCoordinator = (render: (url: string) => ComponentChildren) => (coordinator ? render(coordinator) : <Missing server="coordinator" />);
  switch (route.page) {
    case '':
      return needChain((url) => <ExplorerHome chainUrl={url} />);
    case 'block':
      return needChain((url) => <BlockPage chainUrl={url} id={arg} />);
    case 'tx':
      return needChain((url) => <TxPage chainUrl={url} hash={arg} />);
    case 'account':
      return needChain((url) => <AccountPage chainUrl={url} address={arg} />);
    case 'receipt':
      return <ReceiptPage chainUrl={chain} coordinatorUrl={coordinator} id={arg} />;
    case 'market':
      return needCoordinator((url) => <MarketPage coordinatorUrl={url} />);
    case 'client':
      return needCoordinator((url) => <ClientPage coordinatorUrl={url} />);
    case 'miner':
      return needCoordinator((url) => <MinerPage coordinatorUrl={url} />);
    case 'operator':
      return needCoordinator((url) => <OperatorPage coordinatorUrl={url} />);
    case 'settings':
      return <SettingsPage endpoints={endpoints} />;
    default:
      return <p role="alert">No such page. <a href="#/">Back to the explorer</a>.</p>;
  }
}

export function App({ endpoints }: { endpoints: Endpoints }) {
  const route = useRoute();
  const current = EXPLORER_PAGES.has(route.page) ? '' : route.page;
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to the content</a>
      <header class="top">
        <a class="brand" href="#/">AITBC</a>
        <nav aria-label="Pages">
          <ul>
            {NAV.map((item) => (
              <li><a href={`#/${item.page}`} aria-current={item.page === current ? 'page' : undefined}>{item.label}</a></li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {pageFor(route, endpoints)}
      </main>
      <footer class="muted">AITBC — an open marketplace for AI compute. Keys you enter stay in this browser.</footer>
    </>
  );
}
