// The signing side, loaded when a wallet connects: the generated execute clients bound to the
// connected address, and the cw20 Send the page uses for purchases and leases.
import { SigningCosmWasmClient, type ExecuteResult } from '@cosmjs/cosmwasm-stargate';
import { GasPrice } from '@cosmjs/stargate';
import type { OfflineSigner } from '@cosmjs/proto-signing';

import { hookMsg, type Chain } from './chain';
import { DataRegistryClient } from './contracts/DataRegistry.client';
import { DataTokenClient } from './contracts/DataToken.client';
import { EscrowClient } from './contracts/Escrow.client';
import { PaymentTokenClient } from './contracts/PaymentToken.client';
import { StoragePaymentClient } from './contracts/StoragePayment.client';

export class Signing {
  readonly registry: DataRegistryClient;
  readonly token: DataTokenClient;
  readonly escrow: EscrowClient;
  readonly storage: StoragePaymentClient;

  private constructor(
    readonly chain: Chain,
    readonly client: SigningCosmWasmClient,
    readonly address: string,
  ) {
    const c = chain.deployment.contracts;
    this.registry = new DataRegistryClient(client, address, c['data-registry']);
    this.token = new DataTokenClient(client, address, c['data-token']);
    this.escrow = new EscrowClient(client, address, c.escrow);
    this.storage = new StoragePaymentClient(client, address, c['storage-payment']);
  }

  static async connect(chain: Chain, signer: OfflineSigner, address: string): Promise<Signing> {
    const client = await SigningCosmWasmClient.connectWithSigner(chain.deployment.rpc, signer, {
      gasPrice: GasPrice.fromString(chain.deployment.gas_price),
      // CosmJS polls for inclusion every 3 s by default; blocks here take a fraction of that.
      broadcastPollIntervalMs: 300,
      broadcastTimeoutMs: 60_000,
    });
    return new Signing(chain, client, address);
  }

  /** A cw20 `Send` of `amount` of `token` to `contract` with `msg` as the hook, as the CLI sends it. */
  cw20Send(token: string, contract: string, amount: bigint, msg: object): Promise<ExecuteResult> {
    return new PaymentTokenClient(this.client, this.address, token).send({
      amount: amount.toString(),
      contract,
      msg: hookMsg(msg),
    });
  }
}

