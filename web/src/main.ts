// Boot: configuration and chain, the header (account, nav), and the screen of the current route.
import './style.css';
import { App } from './app';
import { Chain } from './chain';
import { loadConfig } from './config';
import { errorBox, h, loading } from './dom';
import { leave, parseRoute } from './router';
import { assetScreen } from './screens/asset';
import { connectScreen } from './screens/connect';
import { downloadScreen } from './screens/download';
import { marketScreen } from './screens/market';
import { ownerScreen } from './screens/owner';
import { purchasesScreen } from './screens/purchases';

const NAV: [string, string][] = [
  ['connect', 'Connect'],
  ['market', 'Market'],
  ['purchases', 'My purchases'],
  ['owner', 'Owner'],
];

function header(app: App, current: string): HTMLElement {
  const d = app.config.deployment;
  return h(
    'header',
    {},
    h('h1', {}, 'TwinShare'),
    h('nav', {}, ...NAV.map(([r, label]) => h('a', { href: `#/${r}`, class: r === current ? 'active' : '', 'data-nav': r }, label))),
    h(
      'div',
      { class: 'account' },
      app.wallet
        ? [h('span', { class: app.wallet.kind === 'dev' ? 'badge dev' : 'badge' }, app.wallet.label), ' ', h('code', { 'data-testid': 'header-address' }, app.wallet.address)]
        : h('span', { class: 'hint' }, 'not connected'),
      h('span', { class: 'hint' }, ` · ${d.chain_id}`),
    ),
  );
}

function render(app: App, root: HTMLElement): void {
  leave();
  const route = parseRoute(location.hash);
  const screen =
    route.name === 'connect'
      ? connectScreen(app)
      : route.name === 'asset'
        ? assetScreen(app, route.id)
        : route.name === 'download'
          ? downloadScreen(app, route.id)
          : route.name === 'purchases'
            ? purchasesScreen(app)
            : route.name === 'owner'
              ? ownerScreen(app)
              : marketScreen(app);
  const navName = route.name === 'asset' ? 'market' : route.name === 'download' ? 'purchases' : route.name;
  root.replaceChildren(header(app, navName), h('main', {}, screen));
}

async function boot(): Promise<void> {
  const root = document.getElementById('app') as HTMLElement;
  root.replaceChildren(loading('the deployment'));
  try {
    const config = await loadConfig();
    const chain = await Chain.connect(config.deployment);
    const app = new App(config, chain);
    app.onChange = () => render(app, root);
    window.addEventListener('hashchange', () => render(app, root));
    render(app, root);
  } catch (e) {
    root.replaceChildren(h('main', {}, h('h1', {}, 'TwinShare'), errorBox(e, 'boot-error')));
  }
}

void boot();
