// The page's configuration: the deployment (localnet/deployment.json, copied next to the page by
// scripts/copy-config.mjs, or any other one named by `?deployment=URL`), the storage endpoint
// (`?storage=URL`, default the relayer's) and the DEV-ONLY accounts when the build has them.
import { UserError } from './errors';

export interface Deployment {
  chain_id: string;
  rpc: string;
  api?: string;
  denom: string;
  fee_denom: string;
  gas_price: string;
  bech32_prefix: string;
  contracts: {
    'payment-token': string;
    'storage-payment': string;
    'data-registry': string;
    'data-token': string;
    escrow: string;
  };
}

export interface DevAccount {
  name: string;
  role?: string;
  address: string;
  mnemonic: string;
}

export interface Config {
  deployment: Deployment;
  deploymentUrl: string;
  storageBase: string;
  devAccounts: DevAccount[];
}

export const DEFAULT_STORAGE = 'http://127.0.0.1:9464/storage/v1/';

async function getJson(url: string, what: string): Promise<unknown> {
  let r: Response;
  try {
    r = await fetch(url, { cache: 'no-store' });
  } catch (e) {
    throw new UserError(`Could not fetch the ${what} at ${url} (${(e as Error).message}). Is the URL right and the server running?`);
  }
  if (!r.ok) throw new UserError(`The ${what} at ${url} answered HTTP ${r.status}`);
  return r.json();
}

export function checkDeployment(d: unknown, url: string): Deployment {
  const dep = d as Partial<Deployment>;
  const missing = ['chain_id', 'rpc', 'bech32_prefix', 'fee_denom', 'gas_price', 'contracts'].filter(
    (k) => !(dep as Record<string, unknown>)?.[k],
  );
  const contracts = ['payment-token', 'storage-payment', 'data-registry', 'data-token', 'escrow'].filter(
    (k) => !(dep.contracts as Record<string, string> | undefined)?.[k],
  );
  if (missing.length || contracts.length) {
    throw new UserError(
      `The deployment at ${url} lacks ${[...missing, ...contracts.map((c) => `contracts.${c}`)].join(', ')}: ` +
        'deploy with localnet/deploy.sh, or name another file with ?deployment=URL',
    );
  }
  return dep as Deployment;
}

export async function loadConfig(search = location.search, base = document.baseURI): Promise<Config> {
  const params = new URLSearchParams(search);
  const deploymentUrl = new URL(params.get('deployment') ?? 'config/deployment.json', base).href;
  const deployment = checkDeployment(await getJson(deploymentUrl, 'deployment'), deploymentUrl);
  const storageBase = withSlash(params.get('storage') ?? DEFAULT_STORAGE);
  let devAccounts: DevAccount[] = [];
  try {
    const dev = (await getJson(new URL('config/dev-accounts.json', base).href, 'dev accounts')) as {
      accounts?: DevAccount[];
    };
    devAccounts = dev.accounts ?? [];
  } catch {
    // A build without the localnet's accounts offers none.
  }
  return { deployment, deploymentUrl, storageBase, devAccounts };
}

function withSlash(u: string): string {
  return u.endsWith('/') ? u : `${u}/`;
}

/** Keplr's `experimentalSuggestChain` argument for the deployment's chain. */
export function keplrChainInfo(d: Deployment) {
  const gas = Number(d.gas_price.replace(/[a-z/]+$/i, ''));
  const currency = { coinDenom: d.fee_denom.replace(/^u/, '').toUpperCase(), coinMinimalDenom: d.fee_denom, coinDecimals: 6 };
  const p = d.bech32_prefix;
  return {
    chainId: d.chain_id,
    chainName: `TwinShare (${d.chain_id})`,
    rpc: d.rpc,
    rest: d.api ?? d.rpc.replace(/:26657\b/, ':1317'),
    bip44: { coinType: 118 },
    bech32Config: {
      bech32PrefixAccAddr: p,
      bech32PrefixAccPub: `${p}pub`,
      bech32PrefixValAddr: `${p}valoper`,
      bech32PrefixValPub: `${p}valoperpub`,
      bech32PrefixConsAddr: `${p}valcons`,
      bech32PrefixConsPub: `${p}valconspub`,
    },
    currencies: [currency],
    feeCurrencies: [{ ...currency, gasPriceStep: { low: gas, average: gas, high: gas * 2 } }],
    stakeCurrency: currency,
    features: ['cosmwasm'],
  };
}
