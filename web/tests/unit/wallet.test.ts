// The built-in signer derives the same addresses as `wasmd keys` / `twinshare keys`: the dev
// accounts' addresses in localnet/dev-accounts.json were written by `wasmd keys add --recover`.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hdWallet } from '../../src/wallet';
import { checkDeployment, keplrChainInfo } from '../../src/config';

const dev = JSON.parse(readFileSync(resolve(__dirname, '../../../localnet/dev-accounts.json'), 'utf8')) as {
  accounts: { name: string; address: string; mnemonic: string }[];
};

describe('built-in signer addresses', () => {
  it.each(dev.accounts.map((a) => [a.name, a] as const))('%s', async (_name, a) => {
    const [acc] = await (await hdWallet(a.mnemonic, 'wasm')).getAccounts();
    expect(acc.address).toBe(a.address);
  });
  it('rejects a bad mnemonic in words a person understands', async () => {
    await expect(hdWallet('not a mnemonic at all', 'wasm')).rejects.toThrow(/not a valid BIP39 mnemonic/);
  });
});

describe('deployment and Keplr chain info', () => {
  // The localnet's when deployed (it is not in git), else the same fields as deploy.sh writes.
  const file = resolve(__dirname, '../../../localnet/deployment.json');
  const d = existsSync(file)
    ? JSON.parse(readFileSync(file, 'utf8'))
    : {
        chain_id: 'twinshare-local',
        rpc: 'http://127.0.0.1:26657',
        api: 'http://127.0.0.1:1317',
        denom: 'ustake',
        fee_denom: 'ustake',
        gas_price: '0.025ustake',
        bech32_prefix: 'wasm',
        contracts: { 'payment-token': 'a', 'storage-payment': 'b', 'data-registry': 'c', 'data-token': 'd', escrow: 'e' },
      };
  it('accepts the localnet deployment and builds chain info from it', () => {
    const dep = checkDeployment(d, 'deployment.json');
    const info = keplrChainInfo(dep);
    expect(info.chainId).toBe(d.chain_id);
    expect(info.bech32Config.bech32PrefixAccAddr).toBe('wasm');
    expect(info.feeCurrencies[0].coinMinimalDenom).toBe(d.fee_denom);
    expect(info.feeCurrencies[0].gasPriceStep.average).toBe(0.025);
    expect(info.rest).toBe(d.api);
  });
  it('names what a deployment lacks', () => {
    expect(() => checkDeployment({ ...d, contracts: { ...d.contracts, escrow: undefined } }, 'x.json')).toThrow(/contracts\.escrow/);
  });
});
