// The market: listed assets the connected account may see (public, and partial ones whose
// allowlist names it), filtered by data kind, equipment and price; each links to its detail.
import type { App } from '../app';
import { Chain, PAGE } from '../chain';
import type { Asset } from '../contracts/DataToken.types';
import { empty, field, h, section } from '../dom';
import * as fmt from '../format';

/** Who may see an asset in the market: everybody a public one; the allowlist (and owner) a partial one. */
export function visibleTo(a: Asset, me?: string): boolean {
  if (!a.listed) return false;
  if (a.openness === 'public') return true;
  if (a.openness === 'private') return false;
  return me !== undefined && (a.owner === me || a.openness.partial.allowlist.includes(me));
}

export interface Filters {
  kind: string;
  equipment: string;
  maxPrice: string;
}

export function applyFilters(assets: Asset[], f: Filters): Asset[] {
  const max = f.maxPrice.trim() === '' ? undefined : BigInt(f.maxPrice.trim());
  return assets.filter(
    (a) =>
      (f.kind === '' || a.metadata.data_kind === f.kind) &&
      (f.equipment === '' || (a.metadata.equipment ?? '') === f.equipment) &&
      (max === undefined || BigInt(a.price.amount) <= max),
  );
}

export function marketScreen(app: App): HTMLElement {
  const root = h('section', { class: 'screen', 'data-screen': 'market' }, h('h2', {}, 'Market'));
  const body = h('div');
  root.append(body);
  void section(body, 'the market', async () => {
    const all = await Chain.all(
      (startAfter) => app.chain.token.listedAssets({ startAfter, limit: PAGE }).then((r) => r.assets),
      (a) => a.id,
    );
    const me = app.wallet?.address;
    const assets = all.filter((a) => visibleTo(a, me));
    if (assets.length === 0) {
      return empty(
        all.length
          ? 'No asset is listed for this account: the listed ones are partial assets for other buyers.'
          : 'No asset is listed yet. An owner lists one from the Owner screen or with `twinshare tokenize`.',
      );
    }
    const kinds = [...new Set(assets.map((a) => a.metadata.data_kind))].sort();
    const equipment = [...new Set(assets.map((a) => a.metadata.equipment ?? '').filter(Boolean))].sort();
    const kind = h('select', { 'data-testid': 'filter-kind' }, h('option', { value: '' }, 'any'), ...kinds.map((k) => h('option', { value: k }, k)));
    const equip = h(
      'select',
      { 'data-testid': 'filter-equipment' },
      h('option', { value: '' }, 'any'),
      ...equipment.map((k) => h('option', { value: k }, k)),
    );
    const maxPrice = h('input', { type: 'number', min: 0, placeholder: 'no limit', 'data-testid': 'filter-price' });
    const list = h('div');
    const render = () => {
      let shown: Asset[];
      try {
        shown = applyFilters(assets, { kind: kind.value, equipment: equip.value, maxPrice: maxPrice.value });
      } catch {
        list.replaceChildren(empty('The price limit must be a whole number.'));
        return;
      }
      list.replaceChildren(
        shown.length === 0
          ? empty('No asset matches these filters.')
          : h(
              'table',
              { class: 'list', 'data-testid': 'market-list' },
              h('thead', {}, h('tr', {}, ...['asset', 'data kind', 'equipment', 'size', 'price', 'openness', 'owner'].map((t) => h('th', {}, t)))),
              h(
                'tbody',
                {},
                ...shown.map((a) =>
                  h(
                    'tr',
                    { 'data-asset': a.id },
                    h('td', {}, h('a', { href: `#/asset/${a.id}` }, `#${a.id}`)),
                    h('td', {}, a.metadata.data_kind),
                    h('td', {}, a.metadata.equipment ?? '—'),
                    h('td', {}, fmt.bytes(a.size)),
                    h('td', {}, fmt.price(a.price)),
                    h('td', {}, fmt.openness(a.openness)),
                    h('td', { title: a.owner }, a.owner === me ? 'you' : fmt.short(a.owner)),
                  ),
                ),
              ),
            ),
      );
    };
    for (const el of [kind, equip, maxPrice]) el.addEventListener('input', render);
    render();
    return h(
      'div',
      {},
      h('div', { class: 'filters row' }, field('Data kind', kind), field('Equipment', equip), field('Max price', maxPrice)),
      list,
    );
  });
  return root;
}
