// Reading what the provider stores (manifests, sealed fragments, cfrags) from its read-only HTTP
// endpoint beside the relayer. Paths are the locators on chain and in the manifest, unchanged.
import { UserError } from './errors';

export async function fetchObject(base: string, locator: string, what: string): Promise<Uint8Array> {
  if (locator.split('/').some((s) => s === '..' || s === '') || locator.startsWith('/')) {
    throw new UserError(`The ${what} locator ${JSON.stringify(locator)} is not a plain storage path; refusing to fetch it.`);
  }
  const url = new URL(locator.split('/').map(encodeURIComponent).join('/'), base).href;
  let r: Response;
  try {
    r = await fetch(url);
  } catch (e) {
    throw new UserError(
      `The storage endpoint ${base} did not answer (${(e as Error).message}): is the provider's relayer running with [http] storage on?`,
    );
  }
  if (r.status === 404) throw new UserError(`The provider's storage has no ${what} at ${locator}.`);
  if (r.status === 413) throw new UserError(`The ${what} at ${locator} is larger than the storage endpoint serves in one response.`);
  if (!r.ok) throw new UserError(`The storage endpoint answered HTTP ${r.status} for the ${what} at ${locator}.`);
  return new Uint8Array(await r.arrayBuffer());
}

export const fetchText = async (base: string, locator: string, what: string) =>
  new TextDecoder().decode(await fetchObject(base, locator, what));
