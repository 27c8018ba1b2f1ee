// The page's session: configuration, chain, the connected wallet and its Umbral identity. Screens
// read it; connecting or disconnecting re-renders the current screen.
import type { Chain } from './chain';
import type { Signing } from './signing';
import type { Config } from './config';
import type { WasmIdentity } from './crypto';
import { UserError } from './errors';
import { Keystore } from './keystore';
import { umbralIdentity, type Wallet } from './wallet';

export class App {
  wallet?: Wallet;
  signing?: Signing;
  private identity?: WasmIdentity;
  private mnemonic?: string;
  readonly keystore = new Keystore(localStorage);
  onChange: () => void = () => {};

  constructor(
    readonly config: Config,
    readonly chain: Chain,
  ) {}

  /** Connects a wallet; `mnemonic` (built-in signer) also gives the Umbral identity. */
  async connect(wallet: Wallet, mnemonic?: string): Promise<void> {
    const { Signing } = await import('./signing');
    this.signing = await Signing.connect(this.chain, wallet.signer, wallet.address);
    this.wallet = wallet;
    this.identity?.free();
    this.identity = undefined;
    this.mnemonic = mnemonic;
    this.onChange();
  }

  disconnect(): void {
    this.wallet = undefined;
    this.signing = undefined;
    this.identity?.free();
    this.identity = undefined;
    this.mnemonic = undefined;
    this.onChange();
  }

  /** Gives a Keplr session the Umbral identity from the built-in keystore. */
  async unlockUmbral(password: string): Promise<void> {
    const w = this.need();
    const mnemonic = await this.keystore.unlock(password);
    this.identity = await umbralIdentity(mnemonic, this.config.deployment, w.address);
    this.mnemonic = mnemonic;
    this.onChange();
  }

  hasUmbral(): boolean {
    return this.mnemonic !== undefined;
  }

  async umbral(): Promise<WasmIdentity> {
    const w = this.need();
    if (!this.mnemonic) {
      throw new UserError(
        'This needs your Umbral keys, which come from your mnemonic: Keplr cannot provide them. Unlock the built-in keystore (Connect screen) for this account.',
      );
    }
    this.identity ??= await umbralIdentity(this.mnemonic, this.config.deployment, w.address);
    return this.identity;
  }

  need(): { address: string; signing: Signing } {
    if (!this.wallet || !this.signing) throw new UserError('Connect a wallet first (Connect screen).');
    return { address: this.wallet.address, signing: this.signing };
  }
}
