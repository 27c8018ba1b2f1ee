// The buyer's download of a delivered sale: manifest, cfrag and every sealed fragment from the
// provider's storage endpoint, each fragment verified and decrypted by the wasm module, the Merkle
// root of the plaintext checked against the root registered on chain. The file is handed to the
// browser only after `finish()` passed; on any failure nothing is saved.
import type { Chain } from './chain';
import type { Sale } from './contracts/Escrow.types';
import { UserError } from './errors';
import { fetchObject, fetchText } from './storage';
import { wasm, type WasmDownload, type WasmIdentity } from './crypto';

/** Fragments fetched ahead of the one being decrypted. */
const AHEAD = 4;

export interface Downloaded {
  saleId: number;
  recordId: number;
  /** The root registered on chain, which the decrypted data matched. */
  root: string;
  /** SHA-256 of the decrypted file. */
  sha256: string;
  size: number;
  fragments: number;
  elapsedMs: number;
  /** Time inside the wasm decrypt+verify calls and finish(). */
  decryptMs: number;
  blob: Blob;
  filename: string;
}

export type Progress = (done: number, total: number, bytes: number) => void;

const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

export async function sha256Hex(data: Blob | Uint8Array): Promise<string> {
  const buf = data instanceof Blob ? await data.arrayBuffer() : data;
  return hex(await crypto.subtle.digest('SHA-256', buf as BufferSource));
}

/** Why a sale cannot be downloaded yet, in words the buyer can act on; undefined when it can. */
export function notDownloadable(sale: Sale): string | undefined {
  if (sale.cfrag_locator && sale.cfrag_hash) return undefined;
  switch (sale.status) {
    case 'paid':
      return `Sale ${sale.id} is paid, but the seller has not granted it yet (no re-key on chain). Wait for the seller, or refund after the deadline.`;
    case 're_key_submitted':
      return `The relayer has not delivered sale ${sale.id} yet: the seller's re-key is on chain, the re-encrypted key is not. Try again shortly.`;
    default:
      return `Sale ${sale.id} is ${sale.status} and has no delivery to download.`;
  }
}

export async function downloadSale(
  chain: Chain,
  storageBase: string,
  identity: WasmIdentity,
  sale: Sale,
  progress: Progress = () => {},
): Promise<Downloaded> {
  const started = performance.now();
  const why = notDownloadable(sale);
  if (why) throw new UserError(why);
  const asset = await chain.token.asset({ id: sale.asset_id });
  const record = await chain.registry.record({ id: asset.record_id });
  const assetPrefix = record.locator.replace(/manifest\.json$/, '');
  const cfragLocator = sale.cfrag_locator as string;
  if (!cfragLocator.startsWith(assetPrefix)) {
    throw new UserError(`The cfrag locator ${cfragLocator} on chain is outside the asset's folder ${assetPrefix}; dispute the sale.`);
  }
  const m = await wasm();
  const cfrag = await fetchObject(storageBase, cfragLocator, 're-encrypted key (cfrag)');
  if ((await sha256Hex(cfrag)) !== (sale.cfrag_hash as string).toLowerCase()) {
    throw new UserError(
      `The cfrag the provider serves does not match the hash the relayer reported on chain: dispute sale ${sale.id}. Nothing was saved.`,
    );
  }
  const seller = await chain.registry.party({ address: sale.seller }).catch(() => {
    throw new UserError(`The seller ${sale.seller} never registered its party key, so its re-key cannot be checked.`);
  });
  const manifest = await fetchText(storageBase, record.locator, 'manifest');
  let dl: WasmDownload;
  try {
    dl = new m.Download(identity, manifest, record.hash, cfrag, seller.pubkey);
  } catch (e) {
    throw new UserError(`The download could not start: ${(e as Error).message}. Nothing was saved.`);
  }
  try {
    const n = dl.fragmentCount();
    const parts: Uint8Array[] = [];
    let bytes = 0;
    let decryptMs = 0;
    progress(0, n, 0);
    // A few fragments in flight while one is decrypted: the network and the wasm overlap.
    const inFlight = new Map<number, Promise<Uint8Array>>();
    const fetchAhead = (j: number) => {
      if (j >= n || inFlight.has(j)) return;
      const p = fetchObject(storageBase, (dl as WasmDownload).fragmentLocator(j), `fragment ${j}`);
      p.catch(() => {}); // Awaited in order below; a failure ahead is reported when reached.
      inFlight.set(j, p);
    };
    for (let i = 0; i < n; i++) {
      for (let j = i; j < i + AHEAD; j++) fetchAhead(j);
      const sealed = await (inFlight.get(i) as Promise<Uint8Array>);
      inFlight.delete(i);
      let plain: Uint8Array;
      const t = performance.now();
      try {
        plain = dl.decryptFragment(i, sealed);
        decryptMs += performance.now() - t;
      } catch (e) {
        throw new UserError(`Fragment ${i} failed verification (${(e as Error).message}): the file was not saved. Dispute the sale.`);
      }
      parts.push(plain);
      bytes += plain.length;
      progress(i + 1, n, bytes);
    }
    let root: string;
    try {
      const t = performance.now();
      root = dl.finish();
      decryptMs += performance.now() - t;
    } catch (e) {
      throw new UserError(`The data does not match the root registered on chain (${(e as Error).message}): the file was not saved.`);
    }
    const blob = new Blob(parts as BlobPart[], { type: 'application/octet-stream' });
    return {
      saleId: sale.id,
      recordId: record.id,
      root,
      sha256: await sha256Hex(blob),
      size: bytes,
      fragments: n,
      elapsedMs: performance.now() - started,
      decryptMs,
      blob,
      filename: `twinshare-asset-${sale.asset_id}-sale-${sale.id}.bin`,
    };
  } finally {
    dl.free();
  }
}

/** Hands a verified file to the browser's downloads. */
export function saveFile(d: Downloaded): void {
  const url = URL.createObjectURL(d.blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = d.filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
