// An asset's detail (its on-chain record, owner, hash, openness) and the purchase: the CanBuy
// check and a balance check before anything is signed, then a cw20 `Send` to the escrow whose hook
// is `{"buy":{"asset_id","buyer_pubkey"}}`, exactly as `twinshare buy` sends it.
import type { App } from '../app';
import { eventNumber } from '../chain';
import type { Asset } from '../contracts/DataToken.types';
import { action, h, kv, notice, section } from '../dom';
import { UserError } from '../errors';
import * as fmt from '../format';

export function assetScreen(app: App, id: number): HTMLElement {
  const root = h('section', { class: 'screen', 'data-screen': 'asset' }, h('h2', {}, `Asset #${id}`));
  const body = h('div');
  root.append(body);
  void section(body, `asset ${id}`, async () => {
    const asset = await app.chain.token.asset({ id }).catch((e) => {
      throw new UserError(`There is no asset ${id} on this chain (${(e as Error).message}).`);
    });
    const record = await app.chain.registry.record({ id: asset.record_id });
    const m = asset.metadata;
    const detail = h(
      'div',
      { class: 'card' },
      kv([
        ['data kind', m.data_kind],
        ['equipment', m.equipment ?? '—'],
        ['description', m.description || '—'],
        ['schema', m.schema ?? '—'],
        ['sampling rate', m.sampling_rate_hz ? `${m.sampling_rate_hz} Hz` : '—'],
        ['price', h('span', { 'data-testid': 'asset-price' }, fmt.price(asset.price))],
        ['openness', h('span', { 'data-testid': 'asset-openness' }, fmt.openness(asset.openness))],
        ['listed', asset.listed ? 'yes' : 'no (delisted)'],
        ['owner', h('code', {}, asset.owner)],
        ['size', fmt.bytes(asset.size)],
      ]),
      h('h3', {}, `On-chain record #${record.id}`),
      kv([
        ['hash (Merkle root)', h('code', { 'data-testid': 'record-hash' }, record.hash)],
        ['channel', record.channel],
        ['level', record.level === 'low' ? 'low' : `high (fee ${record.level.high.fee})`],
        ['storage locator', h('code', {}, record.locator)],
        ['provider', h('code', {}, record.provider)],
        ['registered', `${fmt.time(record.registered_at)} at height ${record.height}`],
      ]),
    );
    return h('div', {}, detail, buyCard(app, asset));
  });
  return root;
}

function buyCard(app: App, asset: Asset): HTMLElement {
  const card = h('div', { class: 'card' }, h('h3', {}, 'Buy'));
  if (!app.wallet) {
    card.append(notice('Connect a wallet to buy (Connect screen).', 'warn'));
    return card;
  }
  if (asset.owner === app.wallet.address) {
    card.append(notice('This is your asset.', 'ok'));
    return card;
  }
  const out = h('div', { 'data-testid': 'buy-outcome' });
  const b = h('button', { type: 'button', 'data-testid': 'buy' }, `Buy for ${fmt.price(asset.price)}`);
  action(b, out, async () => {
    const r = await buy(app, asset);
    return h(
      'div',
      {},
      notice(`Paid into escrow: sale #${r.saleId} (tx ${r.tx}). The seller grants next, then the relayer delivers.`, 'ok', 'bought'),
      h('a', { href: '#/purchases' }, 'Follow it in My purchases'),
    );
  });
  card.append(h('p', { class: 'hint' }, 'The price is held by the escrow until you confirm the delivery (or refunded if a deadline passes).'), b, out);
  return card;
}

export async function buy(app: App, asset: Asset): Promise<{ saleId: number; tx: string }> {
  const { address, signing } = app.need();
  const can = await app.chain.token.canBuy({ assetId: asset.id, buyer: address });
  if (!can.can_buy) {
    throw new UserError(`Asset ${asset.id} is not for sale to ${address}: ${can.reason ?? 'the data-token contract refuses'}.`);
  }
  const amount = BigInt(asset.price.amount);
  const held = await app.chain.balanceOf(address, asset.price.denom);
  if (held < amount) {
    throw new UserError(
      `Insufficient funds: asset ${asset.id} costs ${fmt.price(asset.price)} and this account holds ${held.toLocaleString('en')}; get ${(amount - held).toLocaleString('en')} more first. Nothing was sent.`,
    );
  }
  const identity = await app.umbral();
  const buyerPubkey = identity.receivingPublicKeyHex();
  const escrow = app.config.deployment.contracts.escrow;
  const r =
    'cw20' in asset.price.denom
      ? await signing.cw20Send(asset.price.denom.cw20, escrow, amount, { buy: { asset_id: asset.id, buyer_pubkey: buyerPubkey } })
      : await signing.escrow.buy({ assetId: asset.id, buyerPubkey }, 'auto', undefined, [
          { denom: asset.price.denom.native, amount: amount.toString() },
        ]);
  const saleId = eventNumber(r, escrow, 'sale_id');
  if (saleId === undefined) throw new Error(`tx ${r.transactionHash} has no sale_id from the escrow`);
  return { saleId, tx: r.transactionHash };
}

