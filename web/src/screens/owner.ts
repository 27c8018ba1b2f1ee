// For owners: party key, my records and assets (tokenize; change price, openness, allowlist), the
// sales of my assets (grant a paid one: the wasm module's re-key, sent as SubmitReKey as
// `twinshare grant` does; claim after the dispute window), and storage leases (buy, extend,
// cancel) with the capacity used per provider.
import type { App } from '../app';
import { Chain, PAGE } from '../chain';
import type { Asset, Openness } from '../contracts/DataToken.types';
import type { Sale } from '../contracts/Escrow.types';
import type { Lease } from '../contracts/StoragePayment.types';
import { action, empty, field, h, kv, notice, section } from '../dom';
import { UserError } from '../errors';
import * as fmt from '../format';
import { fetchText } from '../storage';
import { toBase64 } from '@cosmjs/encoding';

/** `assets/<id>/manifest.json` -> `<id>`: the storage asset id the delegating key is derived for. */
export function storageAssetId(locator: string): string {
  const m = locator.replace(/^\/+/, '').match(/^assets\/([^/]+)\/manifest\.json$/);
  if (!m) throw new UserError(`The record's locator ${locator} is not assets/<id>/manifest.json; it was not uploaded by TwinShare.`);
  return m[1];
}

/** ceil(bytes * secs * price), the storage contract's rounding (lease.rs `cost`); price is a Decimal string. */
export function leaseCost(bytes: bigint, secs: bigint, price: string): bigint {
  const [int, frac = ''] = price.split('.');
  const atomics = BigInt(int) * 10n ** 18n + BigInt((frac + '0'.repeat(18)).slice(0, 18));
  const num = bytes * secs * atomics;
  const den = 10n ** 18n;
  return (num + den - 1n) / den;
}

export function parseOpenness(kind: string, allowlist: string): Openness {
  if (kind === 'public') return 'public';
  if (kind === 'private') return 'private';
  const list = allowlist.split(/[\s,]+/).filter(Boolean);
  if (list.length === 0) throw new UserError('A partial asset needs at least one address in its allowlist.');
  return { partial: { allowlist: list } };
}

function opennessInputs(initial?: Asset['openness']) {
  const kind = h(
    'select',
    { 'data-testid': 'openness' },
    ...['public', 'partial', 'private'].map((k) => h('option', { value: k }, k)),
  );
  const allow = h('textarea', { rows: 2, placeholder: 'addresses, one per line', 'data-testid': 'allowlist' });
  if (initial) {
    kind.value = typeof initial === 'string' ? initial : 'partial';
    if (typeof initial !== 'string') allow.value = initial.partial.allowlist.join('\n');
  }
  return { kind, allow };
}

export function ownerScreen(app: App): HTMLElement {
  const root = h('section', { class: 'screen', 'data-screen': 'owner' }, h('h2', {}, 'Owner'));
  if (!app.wallet) {
    root.append(notice('Connect a wallet to manage your records, assets, sales and leases.', 'warn'));
    return root;
  }
  const parts = {
    party: h('div', { class: 'card' }),
    sales: h('div', { class: 'card' }),
    records: h('div', { class: 'card' }),
    assets: h('div', { class: 'card' }),
    leases: h('div', { class: 'card' }),
  };
  // Outcomes of actions stay here, above the sections that reload after them.
  const flash = h('div', { class: 'flash' });
  root.append(flash, parts.sales, parts.records, parts.assets, parts.leases, parts.party);
  const reload = (message?: string | Node) => {
    if (message !== undefined) flash.replaceChildren(typeof message === 'string' ? notice(message, 'ok', 'outcome') : message);
    void section(parts.sales, 'sales of your assets', () => salesPart(app, reload));
    void section(parts.records, 'your records', () => recordsPart(app, reload));
    void section(parts.assets, 'your assets', () => assetsPart(app, reload));
    void section(parts.leases, 'your storage leases', () => leasesPart(app, reload));
    void section(parts.party, 'your party key', () => partyPart(app));
  };
  reload();
  return root;
}

async function partyPart(app: App): Promise<Node> {
  const { address, signing } = app.need();
  const party = await app.chain.registry.party({ address }).catch(() => null);
  const name = h('input', { value: party?.name ?? '', placeholder: 'company name' });
  const b = h('button', { type: 'button' }, party ? 'Update' : 'Register');
  const out = h('div');
  action(b, out, async () => {
    const id = await app.umbral();
    const r = await signing.registry.registerParty({ pubkey: id.verifyingKeyHex(), name: name.value.trim() });
    return `Party key registered (tx ${r.transactionHash}).`;
  });
  return h(
    'div',
    {},
    h('h3', {}, 'Party'),
    party ? kv([['verifying key', h('code', {}, party.pubkey)], ['name', party.name]]) : empty('Not registered: buyers check your re-keys against this key.'),
    h('div', { class: 'row' }, field('Name', name), b),
    out,
  );
}

async function salesPart(app: App, reload: (message?: string) => void): Promise<Node> {
  const { address, signing } = app.need();
  const sales = (
    await Chain.all((startAfter) => app.chain.escrow.salesBySeller({ seller: address, startAfter, limit: PAGE }).then((r) => r.sales), (s) => s.id)
  ).reverse();
  const box = h('div', {}, h('h3', {}, 'Sales of my assets'));
  if (sales.length === 0) {
    box.append(empty('No sales of your assets yet.'));
    return box;
  }
  const rows = sales.map((s: Sale) => {
    const out = h('div');
    const cell = h('td', {}, out);
    if (s.status === 'paid') {
      const b = h('button', { type: 'button', 'data-testid': `grant-${s.id}` }, 'Grant (re-key)');
      action(b, out, async () => {
        const tx = await grant(app, s);
        const done = `Re-key submitted for sale ${s.id} (tx ${tx}); the relayer delivers next.`;
        setTimeout(() => reload(done), 1500);
        return done;
      });
      cell.prepend(b);
    } else if (s.status === 'delivered' && s.dispute_deadline && Date.now() >= fmt.nsToMs(s.dispute_deadline)) {
      const b = h('button', { type: 'button', 'data-testid': `claim-${s.id}` }, 'Claim payment');
      action(b, out, async () => `Claimed (tx ${(await signing.escrow.claim({ saleId: s.id })).transactionHash}).`);
      cell.prepend(b);
    }
    return h(
      'tr',
      { 'data-sale': s.id },
      h('td', {}, `#${s.id}`),
      h('td', {}, `#${s.asset_id}`),
      h('td', { title: s.buyer }, fmt.short(s.buyer)),
      h('td', {}, fmt.price(s.price)),
      h('td', { 'data-testid': `seller-status-${s.id}` }, s.status.replace(/_/g, ' ')),
      cell,
    );
  });
  box.append(
    h(
      'table',
      { class: 'list' },
      h('thead', {}, h('tr', {}, ...['sale', 'asset', 'buyer', 'price', 'status', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, ...rows),
    ),
  );
  return box;
}

/** The seller's grant: kfrags for the buyer's key, sealed to the sale's relayer key, as SubmitReKey. */
export async function grant(app: App, s: Sale): Promise<string> {
  const { address, signing } = app.need();
  if (s.seller !== address) throw new UserError(`Sale ${s.id} is a sale of ${s.seller}; grant it as the seller.`);
  if (s.status !== 'paid') throw new UserError(`Sale ${s.id} is ${s.status}; only a paid sale waits for the re-key.`);
  const asset = await app.chain.token.asset({ id: s.asset_id });
  const record = await app.chain.registry.record({ id: asset.record_id });
  const manifest = await fetchText(app.config.storageBase, record.locator, 'manifest');
  const identity = await app.umbral();
  let kfrags: Uint8Array;
  try {
    kfrags = identity.grant(storageAssetId(record.locator), s.buyer_pubkey, s.relayer_pubkey, manifest);
  } catch (e) {
    throw new UserError(`The re-key could not be made: ${(e as Error).message}. Is this the mnemonic that uploaded asset ${s.asset_id}?`);
  }
  const r = await signing.escrow.submitReKey({ saleId: s.id, kfrags: toBase64(kfrags) });
  return r.transactionHash;
}

async function recordsPart(app: App, reload: (message?: string) => void): Promise<Node> {
  const { address, signing } = app.need();
  const records = await Chain.all(
    (startAfter) => app.chain.registry.recordsByOwner({ owner: address, startAfter, limit: PAGE }).then((r) => r.records),
    (r) => r.id,
  );
  const box = h('div', {}, h('h3', {}, 'My records'));
  if (records.length === 0) {
    box.append(empty('No records: upload and register data with `twinshare upload`.'));
    return box;
  }
  const listed = await Promise.all(records.map((r) => app.chain.token.assetByRecord({ recordId: r.id })));
  const d = app.config.deployment;
  for (const [i, r] of records.entries()) {
    const a = listed[i];
    const row = h(
      'div',
      { class: 'record', 'data-record': r.id },
      h('p', {}, h('strong', {}, `Record #${r.id}`), ` ${fmt.bytes(r.size)}, channel ${r.channel}, `, h('code', {}, r.hash.slice(0, 16) + '…'), a ? ` — listed as asset #${a.id}` : ' — not listed'),
    );
    if (!a) {
      const price = h('input', { type: 'number', min: 1, value: '1000', 'data-testid': `tokenize-price-${r.id}` });
      const kind = h('input', { value: 'vibration', 'data-testid': `tokenize-kind-${r.id}` });
      const equipment = h('input', { placeholder: 'optional' });
      const desc = h('input', { placeholder: 'optional' });
      const open = opennessInputs();
      const out = h('div');
      const b = h('button', { type: 'button', 'data-testid': `tokenize-${r.id}` }, 'Tokenize');
      action(b, out, async () => {
        const tx = await signing.token.tokenize({
          recordId: r.id,
          price: { amount: BigInt(price.value || '0').toString(), denom: { cw20: d.contracts['payment-token'] } },
          openness: parseOpenness(open.kind.value, open.allow.value),
          metadata: { data_kind: kind.value.trim(), equipment: equipment.value.trim() || null, description: desc.value.trim(), schema: null, sampling_rate_hz: null, time_range: null },
        });
        const done = `Record ${r.id} listed (tx ${tx.transactionHash}).`;
        setTimeout(() => reload(done), 500);
        return done;
      });
      row.append(
        h('div', { class: 'row' }, field('Price (µTWIN)', price), field('Data kind', kind), field('Equipment', equipment), field('Description', desc), field('Openness', open.kind), field('Allowlist', open.allow), b),
        out,
      );
    }
    box.append(row);
  }
  return box;
}

async function assetsPart(app: App, reload: (message?: string) => void): Promise<Node> {
  const { address, signing } = app.need();
  const assets = await Chain.all(
    (startAfter) => app.chain.token.assetsByOwner({ owner: address, startAfter, limit: PAGE }).then((r) => r.assets),
    (a) => a.id,
  );
  const box = h('div', {}, h('h3', {}, 'My assets'));
  if (assets.length === 0) {
    box.append(empty('No assets: tokenize a record above.'));
    return box;
  }
  for (const a of assets) {
    const out = h('div');
    const price = h('input', { type: 'number', min: 1, value: a.price.amount, 'data-testid': `price-${a.id}` });
    const setPrice = h('button', { type: 'button', 'data-testid': `set-price-${a.id}` }, 'Change price');
    action(setPrice, out, async () => {
      const denom = 'cw20' in a.price.denom ? { cw20: a.price.denom.cw20 } : { native: a.price.denom.native };
      const tx = await signing.token.updatePrice({ assetId: a.id, price: { amount: BigInt(price.value).toString(), denom } });
      const done = `Price of asset ${a.id} changed (tx ${tx.transactionHash}).`;
      setTimeout(() => reload(done), 500);
      return done;
    });
    const open = opennessInputs(a.openness);
    const setOpen = h('button', { type: 'button', 'data-testid': `set-openness-${a.id}` }, 'Change openness');
    action(setOpen, out, async () => {
      const tx = await signing.token.updateOpenness({ assetId: a.id, openness: parseOpenness(open.kind.value, open.allow.value) });
      const done = `Openness of asset ${a.id} changed (tx ${tx.transactionHash}).`;
      setTimeout(() => reload(done), 500);
      return done;
    });
    const edit = h('input', { placeholder: 'address', 'data-testid': `allow-${a.id}` });
    const add = h('button', { type: 'button', class: 'secondary' }, 'Allow');
    const remove = h('button', { type: 'button', class: 'secondary' }, 'Disallow');
    const allowEdit = (which: 'add' | 'remove') => async () => {
      if (typeof a.openness === 'string') throw new UserError('Only a partial asset has an allowlist: change its openness to partial first.');
      const who = edit.value.trim();
      if (!who) throw new UserError('Type the address to allow or disallow.');
      const tx = await signing.token.updateAllowlist({ assetId: a.id, add: which === 'add' ? [who] : [], remove: which === 'remove' ? [who] : [] });
      const done = `Allowlist of asset ${a.id} updated (tx ${tx.transactionHash}).`;
      setTimeout(() => reload(done), 500);
      return done;
    };
    action(add, out, allowEdit('add'));
    action(remove, out, allowEdit('remove'));
    box.append(
      h(
        'div',
        { class: 'record', 'data-asset': a.id },
        h('p', {}, h('strong', {}, `Asset #${a.id}`), ` (record #${a.record_id}) ${a.metadata.data_kind}, ${fmt.price(a.price)}, ${fmt.openness(a.openness)}${a.listed ? '' : ', delisted'}`),
        h('div', { class: 'row' }, field('Price', price), setPrice, field('Openness', open.kind), field('Allowlist', open.allow), setOpen),
        typeof a.openness === 'string' ? null : h('div', { class: 'row' }, field('Allowlist entry', edit), add, remove),
        out,
      ),
    );
  }
  return box;
}

async function leasesPart(app: App, reload: (message?: string) => void): Promise<Node> {
  const { address, signing } = app.need();
  const [providers, leases] = await Promise.all([
    app.chain.storage.providers({ limit: PAGE }).then((r) => r.providers),
    Chain.all((startAfter) => app.chain.storage.leasesByOwner({ owner: address, startAfter, limit: PAGE }).then((r) => r.leases), (l) => l.id),
  ]);
  const box = h('div', {}, h('h3', {}, 'Storage leases'));
  const active = providers.filter((p) => p.active);
  if (providers.length === 0) {
    box.append(empty('No storage provider is listed on this chain yet.'));
    return box;
  }
  const usage = await Promise.all(
    providers.map(async (p) => {
      const [cap, used] = await Promise.all([
        app.chain.storage.capacity({ owner: address, provider: p.address }),
        app.chain.registry.usedBytes({ owner: address, provider: p.address }),
      ]);
      return { p, cap, used: used.used };
    }),
  );
  box.append(
    h(
      'table',
      { class: 'list', 'data-testid': 'capacity' },
      h('thead', {}, h('tr', {}, ...['provider', 'leased now', 'used by records', '', 'open leases'].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        ...usage.map(({ p, cap, used }) =>
          h(
            'tr',
            {},
            h('td', { title: p.address }, fmt.short(p.address)),
            h('td', {}, fmt.bytes(cap.bytes)),
            h('td', {}, fmt.bytes(used)),
            h('td', {}, h('progress', { max: Math.max(cap.bytes, 1), value: Math.min(used, cap.bytes) })),
            h('td', {}, String(cap.leases)),
          ),
        ),
      ),
    ),
  );
  // Buy.
  const prov = h('select', {}, ...active.map((p) => h('option', { value: p.address }, `${fmt.short(p.address)} (${p.price_per_byte_second}/B·s)`)));
  const size = h('input', { type: 'number', min: 1, value: '1048576', 'data-testid': 'lease-bytes' });
  const secs = h('input', { type: 'number', min: 1, value: '86400', 'data-testid': 'lease-secs' });
  const out = h('div');
  const buyB = h('button', { type: 'button', 'data-testid': 'buy-lease' }, 'Buy lease');
  action(buyB, out, async () => {
    const provider = active.find((p) => p.address === prov.value);
    if (!provider) throw new UserError('Pick an active provider.');
    const bytes = Number(size.value);
    const duration = Number(secs.value);
    const q = await app.chain.storage.quote({ provider: provider.address, bytes, durationSecs: duration });
    const held = await app.chain.balanceOf(address, q.denom);
    if (held < BigInt(q.amount)) throw new UserError(`Insufficient funds: the lease costs ${q.amount} and this account holds ${held}.`);
    const msg = { buy_lease: { provider: provider.address, bytes, duration_secs: duration } };
    const r =
      'cw20' in q.denom
        ? await signing.cw20Send(q.denom.cw20, app.config.deployment.contracts['storage-payment'], BigInt(q.amount), msg)
        : await signing.storage.buyLease({ provider: provider.address, bytes, durationSecs: duration }, 'auto', undefined, [
            { denom: q.denom.native, amount: q.amount },
          ]);
    const done = `Lease bought for ${q.amount} (tx ${r.transactionHash}).`;
    setTimeout(() => reload(done), 500);
    return done;
  });
  box.append(
    active.length
      ? h('div', { class: 'row' }, field('Provider', prov), field('Bytes', size), field('Seconds', secs), buyB)
      : empty('No active provider to lease from.'),
    out,
  );
  // Existing leases.
  if (leases.length === 0) box.append(empty('No leases yet.'));
  for (const l of leases.slice().reverse()) box.append(leaseRow(app, l, reload));
  return box;
}

function leaseRow(app: App, l: Lease, reload: (message?: string) => void): HTMLElement {
  const { address, signing } = app.need();
  const ended = Date.now() >= fmt.nsToMs(l.end);
  const out = h('div');
  const row = h(
    'div',
    { class: 'record', 'data-lease': l.id },
    h('p', {}, h('strong', {}, `Lease #${l.id}`), ` ${fmt.bytes(l.bytes)} with ${fmt.short(l.provider)} until ${fmt.time(l.end)}${l.cancelled ? ' (cancelled)' : ended ? ' (ended)' : ''}, paid ${l.paid}`),
  );
  if (!l.cancelled && !ended) {
    const extra = h('input', { type: 'number', min: 1, value: '86400' });
    const extend = h('button', { type: 'button', 'data-testid': `extend-${l.id}` }, 'Extend');
    action(extend, out, async () => {
      const secs = Number(extra.value);
      const cost = leaseCost(BigInt(l.bytes), BigInt(secs), l.price_per_byte_second);
      const held = await app.chain.balanceOf(address, l.denom);
      if (held < cost) throw new UserError(`Insufficient funds: extending costs ${cost} and this account holds ${held}.`);
      const r =
        'cw20' in l.denom
          ? await signing.cw20Send(l.denom.cw20, app.config.deployment.contracts['storage-payment'], cost, { extend_lease: { lease_id: l.id, extra_secs: secs } })
          : await signing.storage.extendLease({ leaseId: l.id, extraSecs: secs }, 'auto', undefined, [{ denom: l.denom.native, amount: cost.toString() }]);
      const done = `Lease ${l.id} extended by ${secs} s for ${cost} (tx ${r.transactionHash}).`;
      setTimeout(() => reload(done), 500);
      return done;
    });
    const cancel = h('button', { type: 'button', class: 'secondary', 'data-testid': `cancel-${l.id}` }, 'Cancel (refunds the rest)');
    action(cancel, out, async () => {
      const r = await signing.storage.cancelLease({ leaseId: l.id });
      const done = `Lease ${l.id} cancelled; the unused part is refunded (tx ${r.transactionHash}).`;
      setTimeout(() => reload(done), 500);
      return done;
    });
    row.append(h('div', { class: 'row' }, field('Extra seconds', extra), extend, cancel));
  }
  row.append(out);
  return row;
}
