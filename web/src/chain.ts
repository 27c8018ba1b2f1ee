// Chain access: a CosmJS query client with the generated contract clients, the signing client of
// the connected wallet, and the few helpers the screens share (balances, cw20 Send, paging).
import { CosmWasmClient, type ExecuteResult } from '@cosmjs/cosmwasm-stargate';
import { toBase64, toUtf8 } from '@cosmjs/encoding';

import type { Deployment } from './config';
import { UserError } from './errors';
import { DataRegistryQueryClient } from './contracts/DataRegistry.client';
import { DataTokenQueryClient } from './contracts/DataToken.client';
import { EscrowQueryClient } from './contracts/Escrow.client';
import { PaymentTokenQueryClient } from './contracts/PaymentToken.client';
import { StoragePaymentQueryClient } from './contracts/StoragePayment.client';
import type { CheckedDenom } from './contracts/DataToken.types';

/** The contracts' page size cap (twinshare_types::pagination::MAX_LIMIT). */
export const PAGE = 50;

export class Chain {
  readonly registry: DataRegistryQueryClient;
  readonly token: DataTokenQueryClient;
  readonly escrow: EscrowQueryClient;
  readonly cw20: PaymentTokenQueryClient;
  readonly storage: StoragePaymentQueryClient;

  private constructor(
    readonly deployment: Deployment,
    readonly client: CosmWasmClient,
  ) {
    const c = deployment.contracts;
    this.registry = new DataRegistryQueryClient(client, c['data-registry']);
    this.token = new DataTokenQueryClient(client, c['data-token']);
    this.escrow = new EscrowQueryClient(client, c.escrow);
    this.cw20 = new PaymentTokenQueryClient(client, c['payment-token']);
    this.storage = new StoragePaymentQueryClient(client, c['storage-payment']);
  }

  static async connect(deployment: Deployment): Promise<Chain> {
    try {
      return new Chain(deployment, await CosmWasmClient.connect(deployment.rpc));
    } catch (e) {
      throw new UserError(
        `Cannot reach the chain's RPC at ${deployment.rpc} (${(e as Error).message}): is the localnet running (localnet/start.sh)?`,
      );
    }
  }

  /** What an account holds of a price's denom. */
  async balanceOf(address: string, denom: CheckedDenom): Promise<bigint> {
    if ('cw20' in denom) {
      const q = new PaymentTokenQueryClient(this.client, denom.cw20);
      return BigInt((await q.balance({ address })).balance);
    }
    return BigInt((await this.client.getBalance(address, denom.native)).amount);
  }

  async feeBalance(address: string): Promise<bigint> {
    return BigInt((await this.client.getBalance(address, this.deployment.fee_denom)).amount);
  }

  /** Every page of a paginated list query, following `start_after`. */
  static async all<T>(page: (startAfter?: number) => Promise<T[]>, id: (t: T) => number, max = 600): Promise<T[]> {
    const out: T[] = [];
    let start: number | undefined;
    for (;;) {
      const items = await page(start);
      out.push(...items);
      if (items.length < PAGE || out.length >= max) return out;
      start = id(items[items.length - 1]);
    }
  }
}

/** A cw20 hook message: the contract's `ReceiveMsg` as base64 JSON (cosmwasm `Binary`). */
export function hookMsg(msg: object): string {
  return toBase64(toUtf8(JSON.stringify(msg)));
}

/** A numeric attribute of the contract's `wasm` event in a tx result (e.g. `sale_id`). */
export function eventNumber(r: ExecuteResult, contract: string, key: string): number | undefined {
  for (const e of r.events) {
    if (e.type !== 'wasm') continue;
    if (!e.attributes.some((a) => a.key === '_contract_address' && a.value === contract)) continue;
    const a = e.attributes.find((x) => x.key === key);
    if (a) return Number(a.value);
  }
  return undefined;
}
