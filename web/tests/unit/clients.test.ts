// The generated clients send what the contracts' schemas accept, with the field names the Rust
// side expects, and the page's cw20 hooks are the CLI's `ReceiveMsg` JSON. Every message below is
// validated against schema/<contract>/raw/execute.json (or query.json).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromUtf8 } from '@cosmjs/encoding';
import type { CosmWasmClient, SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';

import { hookMsg } from '../../src/chain';
import { DataRegistryClient } from '../../src/contracts/DataRegistry.client';
import { DataTokenClient } from '../../src/contracts/DataToken.client';
import { EscrowClient, EscrowQueryClient } from '../../src/contracts/Escrow.client';
import { PaymentTokenClient } from '../../src/contracts/PaymentToken.client';
import { StoragePaymentClient } from '../../src/contracts/StoragePayment.client';

const schema = (contract: string, kind: 'execute' | 'query') =>
  JSON.parse(readFileSync(resolve(__dirname, '../../../schema', contract, 'raw', `${kind}.json`), 'utf8'));
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
const validator = (contract: string, kind: 'execute' | 'query') => ajv.compile(schema(contract, kind));

interface Sent {
  sender: string;
  contract: string;
  msg: Record<string, unknown>;
  funds?: readonly { denom: string; amount: string }[];
}

/** A signing client that records what would be executed instead of broadcasting it. */
function recorder(): { client: SigningCosmWasmClient; sent: Sent[]; queries: Record<string, unknown>[] } {
  const sent: Sent[] = [];
  const queries: Record<string, unknown>[] = [];
  const client = {
    execute: async (sender: string, contract: string, msg: Record<string, unknown>, _fee: unknown, _memo?: string, funds?: Sent['funds']) => {
      sent.push({ sender, contract, msg, funds });
      return { transactionHash: 'AB', events: [], logs: [], height: 1, gasUsed: 0n, gasWanted: 0n };
    },
    queryContractSmart: async (_contract: string, msg: Record<string, unknown>) => {
      queries.push(msg);
      return {};
    },
  } as unknown as SigningCosmWasmClient;
  return { client, sent, queries };
}

const ME = 'wasm13x6juumgpt0e4nc9qc75ye2a2gq8v2sw73pm6h';
const PUB = '02' + 'ab'.repeat(32);

describe('generated execute messages match the schemas', () => {
  it('escrow: buy, submit_re_key, confirm, refund, dispute, claim', async () => {
    const { client, sent } = recorder();
    const escrow = new EscrowClient(client, ME, 'wasm1escrow');
    await escrow.buy({ assetId: 3, buyerPubkey: PUB }, 'auto', undefined, [{ denom: 'ustake', amount: '5' }]);
    await escrow.submitReKey({ saleId: 7, kfrags: 'AQID' });
    await escrow.confirm({ saleId: 7 });
    await escrow.refund({ saleId: 7 });
    await escrow.dispute({ saleId: 7, reason: 'bad data' });
    await escrow.claim({ saleId: 7 });
    expect(sent.map((s) => s.msg)).toEqual([
      { buy: { asset_id: 3, buyer_pubkey: PUB } },
      { submit_re_key: { sale_id: 7, kfrags: 'AQID' } },
      { confirm: { sale_id: 7 } },
      { refund: { sale_id: 7 } },
      { dispute: { sale_id: 7, reason: 'bad data' } },
      { claim: { sale_id: 7 } },
    ]);
    expect(sent[0].funds).toEqual([{ denom: 'ustake', amount: '5' }]);
    const valid = validator('escrow', 'execute');
    for (const s of sent) expect(valid(s.msg), JSON.stringify(valid.errors)).toBe(true);
    expect(sent.every((s) => s.sender === ME && s.contract === 'wasm1escrow')).toBe(true);
  });

  it('the schema rejects a misspelled message (the check has teeth)', () => {
    const valid = validator('escrow', 'execute');
    expect(valid({ submit_rekey: { sale_id: 7, kfrags: 'AQID' } })).toBe(false);
    expect(valid({ confirm: { sale_id: '7' } })).toBe(false);
  });

  it('data-token: tokenize, update_price, update_openness, update_allowlist', async () => {
    const { client, sent } = recorder();
    const token = new DataTokenClient(client, ME, 'wasm1token');
    await token.tokenize({
      recordId: 4,
      price: { amount: '1000', denom: { cw20: 'wasm1twin' } },
      openness: { partial: { allowlist: [ME] } },
      metadata: { data_kind: 'vibration', equipment: 'robot-A', description: '', schema: null, sampling_rate_hz: null, time_range: null },
    });
    await token.updatePrice({ assetId: 2, price: { amount: '5', denom: { native: 'ustake' } } });
    await token.updateOpenness({ assetId: 2, openness: 'public' });
    await token.updateAllowlist({ assetId: 2, add: [ME], remove: [] });
    expect(sent[0].msg).toEqual({
      tokenize: {
        record_id: 4,
        price: { amount: '1000', denom: { cw20: 'wasm1twin' } },
        openness: { partial: { allowlist: [ME] } },
        metadata: { data_kind: 'vibration', equipment: 'robot-A', description: '', schema: null, sampling_rate_hz: null, time_range: null },
      },
    });
    expect(sent[2].msg).toEqual({ update_openness: { asset_id: 2, openness: 'public' } });
    const valid = validator('data-token', 'execute');
    for (const s of sent) expect(valid(s.msg), JSON.stringify(valid.errors)).toBe(true);
  });

  it('storage-payment, data-registry and cw20 messages', async () => {
    const { client, sent } = recorder();
    await new StoragePaymentClient(client, ME, 'wasm1storage').cancelLease({ leaseId: 9 });
    await new StoragePaymentClient(client, ME, 'wasm1storage').extendLease({ leaseId: 9, extraSecs: 60 });
    await new DataRegistryClient(client, ME, 'wasm1registry').registerParty({ pubkey: PUB, name: 'Acme' });
    await new PaymentTokenClient(client, ME, 'wasm1twin').send({ amount: '40000', contract: 'wasm1escrow', msg: hookMsg({ buy: { asset_id: 3, buyer_pubkey: PUB } }) });
    expect(validator('storage-payment', 'execute')(sent[0].msg)).toBe(true);
    expect(validator('storage-payment', 'execute')(sent[1].msg)).toBe(true);
    expect(validator('data-registry', 'execute')(sent[2].msg)).toBe(true);
    expect(validator('payment-token', 'execute')(sent[3].msg)).toBe(true);
    expect(sent[2].msg).toEqual({ register_party: { pubkey: PUB, name: 'Acme' } });
  });
});

describe('cw20 hook messages are what `twinshare buy` / `lease buy` send', () => {
  it('escrow ReceiveMsg::Buy as base64 JSON', () => {
    const b64 = hookMsg({ buy: { asset_id: 3, buyer_pubkey: PUB } });
    expect(fromUtf8(fromBase64(b64))).toBe(`{"buy":{"asset_id":3,"buyer_pubkey":"${PUB}"}}`);
  });
  it('storage ReceiveMsg::BuyLease / ExtendLease', () => {
    expect(fromUtf8(fromBase64(hookMsg({ buy_lease: { provider: 'wasm1p', bytes: 1024, duration_secs: 60 } })))).toBe(
      '{"buy_lease":{"provider":"wasm1p","bytes":1024,"duration_secs":60}}',
    );
    expect(fromUtf8(fromBase64(hookMsg({ extend_lease: { lease_id: 2, extra_secs: 5 } })))).toBe('{"extend_lease":{"lease_id":2,"extra_secs":5}}');
  });
});

describe('generated queries match the schemas', () => {
  it('escrow sales_by_buyer with pagination', async () => {
    const { client, queries } = recorder();
    const q = new EscrowQueryClient(client as unknown as CosmWasmClient, 'wasm1escrow');
    await q.salesByBuyer({ buyer: ME, startAfter: 10, limit: 50 });
    await q.sale({ id: 3 });
    expect(queries[0]).toEqual({ sales_by_buyer: { buyer: ME, start_after: 10, limit: 50 } });
    const valid = validator('escrow', 'query');
    for (const m of queries) expect(valid(JSON.parse(JSON.stringify(m))), JSON.stringify(valid.errors)).toBe(true);
  });
});
