// Download of a delivered sale: progress per fragment, then "verified against the chain" with the
// recomputed root beside the registered one and the file's SHA-256; the file is saved only then.
import type { App } from '../app';
import { action, h, kv, notice, section } from '../dom';
import { downloadSale, notDownloadable, saveFile } from '../download';
import * as fmt from '../format';

export function downloadScreen(app: App, saleId: number): HTMLElement {
  const root = h('section', { class: 'screen', 'data-screen': 'download' }, h('h2', {}, `Download sale #${saleId}`));
  const body = h('div');
  root.append(body);
  void section(body, `sale ${saleId}`, async () => {
    const sale = await app.chain.escrow.sale({ id: saleId });
    const asset = await app.chain.token.asset({ id: sale.asset_id });
    const record = await app.chain.registry.record({ id: asset.record_id });
    const bar = h('progress', { max: 1, value: 0, 'data-testid': 'progress' });
    const label = h('span', { class: 'hint' }, 'not started');
    const out = h('div', { 'data-testid': 'download-outcome' });
    const why = notDownloadable(sale);
    const b = h('button', { type: 'button', 'data-testid': 'start-download' }, 'Download, decrypt and verify');
    action(b, out, async () => {
      const identity = await app.umbral();
      const d = await downloadSale(app.chain, app.config.storageBase, identity, sale, (done, total, bytes) => {
        bar.max = total;
        bar.value = done;
        label.textContent = `${done} / ${total} fragments, ${fmt.bytes(bytes)}`;
      });
      saveFile(d);
      return h(
        'div',
        { class: 'card ok' },
        h('p', { class: 'verified', 'data-testid': 'verified' }, '✔ Verified against the chain: every fragment decrypted and checked, the root matches the record.'),
        kv([
          ['root from the data', h('code', { 'data-testid': 'computed-root' }, d.root)],
          ['root on chain (record hash)', h('code', { 'data-testid': 'registered-root' }, record.hash)],
          ['SHA-256 of the file', h('code', { 'data-testid': 'file-sha256' }, d.sha256)],
          ['size', h('span', { 'data-testid': 'file-size' }, `${fmt.bytes(d.size)} (${d.size} bytes)`)],
          ['fragments', String(d.fragments)],
          ['time', h('span', { 'data-testid': 'elapsed', 'data-ms': Math.round(d.elapsedMs), 'data-decrypt-ms': Math.round(d.decryptMs), 'data-bytes': d.size }, `${(d.elapsedMs / 1000).toFixed(2)} s (${(d.size / 1048576 / (d.elapsedMs / 1000)).toFixed(1)} MiB/s)`)],
          ['saved as', d.filename],
        ]),
        h('p', {}, 'Next: confirm the sale in ', h('a', { href: '#/purchases' }, 'My purchases'), ' to pay the seller.'),
      );
    });
    return h(
      'div',
      { class: 'card' },
      kv([
        ['asset', `#${asset.id} ${asset.metadata.data_kind} (${fmt.bytes(asset.size)})`],
        ['status', sale.status.replace(/_/g, ' ')],
        ['registered root', h('code', {}, record.hash)],
        ['storage', app.config.storageBase],
      ]),
      why ? notice(why, 'warn', 'not-downloadable') : null,
      h('div', { class: 'row' }, bar, label),
      b,
      out,
    );
  });
  return root;
}
