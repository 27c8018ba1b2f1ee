// Who is signing: Keplr (when window.keplr exists) or the built-in signer (a BIP39 mnemonic from
// the encrypted keystore, or a DEV-ONLY localnet account). The Umbral identity (buying, granting,
// downloading) always comes from a mnemonic through the wasm module, as the CLI derives it:
// Keplr never reveals its seed, so Keplr users unlock the built-in keystore for it as well.
import { DirectSecp256k1HdWallet, makeCosmoshubPath, type OfflineSigner } from '@cosmjs/proto-signing';

import { keplrChainInfo, type Deployment } from './config';
import { UserError } from './errors';
import { wasm, type WasmIdentity } from './crypto';

export type WalletKind = 'keplr' | 'keystore' | 'dev';

export interface Wallet {
  kind: WalletKind;
  address: string;
  signer: OfflineSigner;
  /** A label for the header: "Keplr", "built-in", "DEV-ONLY account bob". */
  label: string;
}

/** The Keplr methods the page calls (the extension implements many more). */
export interface KeplrLike {
  experimentalSuggestChain(info: unknown): Promise<void>;
  enable(chainId: string): Promise<void>;
  getOfflineSigner(chainId: string): OfflineSigner;
}

declare global {
  interface Window {
    keplr?: KeplrLike;
  }
}

/** m/44'/118'/0'/0/0 with the chain's prefix: the address `wasmd keys` and `twinshare keys` show. */
export async function hdWallet(mnemonic: string, prefix: string): Promise<DirectSecp256k1HdWallet> {
  try {
    return await DirectSecp256k1HdWallet.fromMnemonic(mnemonic.trim().replace(/\s+/g, ' '), {
      prefix,
      hdPaths: [makeCosmoshubPath(0)],
    });
  } catch (e) {
    throw new UserError(`That is not a valid BIP39 mnemonic (12-24 English words): ${(e as Error).message}`);
  }
}

export async function mnemonicWallet(mnemonic: string, d: Deployment, kind: 'keystore' | 'dev', label: string): Promise<Wallet> {
  const signer = await hdWallet(mnemonic, d.bech32_prefix);
  const [account] = await signer.getAccounts();
  return { kind, address: account.address, signer, label };
}

export async function keplrWallet(d: Deployment): Promise<Wallet> {
  const keplr = window.keplr;
  if (!keplr) throw new UserError('Keplr is not installed in this browser; use the built-in signer.');
  try {
    await keplr.experimentalSuggestChain(keplrChainInfo(d));
    await keplr.enable(d.chain_id);
  } catch (e) {
    throw new UserError(`Keplr did not connect to ${d.chain_id}: ${(e as Error).message}`);
  }
  const signer = keplr.getOfflineSigner(d.chain_id);
  const [account] = await signer.getAccounts();
  if (!account) throw new UserError('Keplr returned no account for this chain.');
  return { kind: 'keplr', address: account.address, signer, label: 'Keplr' };
}

/**
 * The Umbral identity of a mnemonic, checked against the signing address: a Keplr account and a
 * keystore of another seed would otherwise buy with keys the account cannot later use.
 */
export async function umbralIdentity(mnemonic: string, d: Deployment, expectAddress: string): Promise<WasmIdentity> {
  const [account] = await (await hdWallet(mnemonic, d.bech32_prefix)).getAccounts();
  if (account.address !== expectAddress) {
    throw new UserError(
      `The keystore's mnemonic belongs to ${account.address}, not to the connected account ${expectAddress}: ` +
        'import the mnemonic of this account for its Umbral keys.',
    );
  }
  const m = await wasm();
  try {
    return m.Identity.fromMnemonic(mnemonic);
  } catch (e) {
    throw new UserError(`The Umbral keys could not be derived: ${(e as Error).message}`);
  }
}
