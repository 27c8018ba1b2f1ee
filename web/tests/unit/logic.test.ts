// The page's own rules: who sees an asset, the filters, the lease cost rounding, refundability,
// storage asset ids, error wording.
import { describe, expect, it } from 'vitest';
import { applyFilters, visibleTo } from '../../src/screens/market';
import { leaseCost, parseOpenness, storageAssetId } from '../../src/screens/owner';
import { refundable } from '../../src/screens/purchases';
import { notDownloadable } from '../../src/download';
import { describeError, UserError } from '../../src/errors';
import type { Asset } from '../../src/contracts/DataToken.types';
import type { Sale } from '../../src/contracts/Escrow.types';

const asset = (id: number, over: Partial<Asset> = {}): Asset => ({
  id,
  record_id: id,
  owner: 'wasm1owner',
  channel: 'c',
  provider: 'wasm1p',
  hash: '00',
  size: 10,
  level: 'low',
  price: { amount: String(id * 100), denom: { cw20: 'wasm1twin' } },
  openness: 'public',
  metadata: { data_kind: id % 2 ? 'vibration' : 'plan', equipment: id % 2 ? 'robot-A' : null, description: '' },
  listed: true,
  ...over,
});

describe('market', () => {
  it('shows public assets, and partial ones only to their allowlist and owner', () => {
    const partial = asset(1, { openness: { partial: { allowlist: ['wasm1me'] } } });
    expect(visibleTo(asset(2))).toBe(true);
    expect(visibleTo(partial, 'wasm1me')).toBe(true);
    expect(visibleTo(partial, 'wasm1owner')).toBe(true);
    expect(visibleTo(partial, 'wasm1else')).toBe(false);
    expect(visibleTo(partial)).toBe(false);
    expect(visibleTo(asset(3, { openness: 'private' }), 'wasm1owner')).toBe(false);
    expect(visibleTo(asset(4, { listed: false }))).toBe(false);
  });
  it('filters by kind, equipment and price', () => {
    const all = [1, 2, 3, 4].map((i) => asset(i));
    expect(applyFilters(all, { kind: 'vibration', equipment: '', maxPrice: '' }).map((a) => a.id)).toEqual([1, 3]);
    expect(applyFilters(all, { kind: '', equipment: 'robot-A', maxPrice: '100' }).map((a) => a.id)).toEqual([1]);
    expect(applyFilters(all, { kind: '', equipment: '', maxPrice: '250' }).map((a) => a.id)).toEqual([1, 2]);
  });
});

describe('owner', () => {
  it('rounds a lease cost up like the contract', () => {
    expect(leaseCost(1000n, 3600n, '0.000000277777777777')).toBe(1n);
    expect(leaseCost(1024n, 60n, '1')).toBe(61440n);
    expect(leaseCost(3n, 1n, '0.5')).toBe(2n);
    expect(leaseCost(1048576n, 86400n, '0.000000277777777777')).toBe(25166n);
  });
  it('takes the storage asset id from the manifest locator', () => {
    expect(storageAssetId('assets/abc123/manifest.json')).toBe('abc123');
    expect(() => storageAssetId('elsewhere/x.json')).toThrow(/not assets/);
  });
  it('needs an allowlist for partial openness', () => {
    expect(parseOpenness('partial', 'wasm1a,\nwasm1b')).toEqual({ partial: { allowlist: ['wasm1a', 'wasm1b'] } });
    expect(() => parseOpenness('partial', ' ')).toThrow(/at least one address/);
    expect(parseOpenness('public', 'ignored')).toBe('public');
  });
});

const sale = (over: Partial<Sale>): Sale =>
  ({
    id: 1,
    asset_id: 1,
    status: 'paid',
    created_at: '0',
    rekey_deadline: String(BigInt(Date.now() + 60_000) * 1_000_000n),
    delivery_deadline: null,
    dispute_deadline: null,
    cfrag_locator: null,
    cfrag_hash: null,
    ...over,
  }) as Sale;

describe('purchases', () => {
  it('allows a refund only after the deadline of the current step', () => {
    expect(refundable(sale({}))).toBe(false);
    expect(refundable(sale({}), Date.now() + 120_000)).toBe(true);
    expect(refundable(sale({ status: 're_key_submitted', delivery_deadline: '1000000' }))).toBe(true);
    expect(refundable(sale({ status: 'delivered' }), Date.now() + 1e9)).toBe(false);
  });
  it('says the relayer has not delivered yet', () => {
    expect(notDownloadable(sale({ status: 're_key_submitted' }))).toMatch(/relayer has not delivered/);
    expect(notDownloadable(sale({ status: 'paid' }))).toMatch(/seller has not granted/);
    expect(notDownloadable(sale({ status: 'delivered', cfrag_locator: 'assets/a/cfrags/1.bin', cfrag_hash: 'aa' }))).toBeUndefined();
  });
});

describe('errors', () => {
  it('translates chain errors', () => {
    expect(describeError(new Error('failed to execute message; message index: 0: Cannot Sub with 10 and 20: execute wasm contract failed'))).toMatch(/^Insufficient funds/);
    expect(describeError(new Error('failed to execute message; message index: 0: sale 4 is not yours: execute wasm contract failed'))).toBe('The contract refused: sale 4 is not yours');
    expect(describeError(new UserError('as is'))).toBe('as is');
  });
});
