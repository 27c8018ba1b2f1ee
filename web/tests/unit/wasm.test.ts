// The crypto crate compiled to wasm (scripts/build-web-wasm.sh), loaded in Node exactly as the
// page loads it: the test vectors of packages/crypto recomputed, the keys of a mnemonic equal to
// the keys twinshare-crypto pins for it (the CLI's), and the checks that must refuse: a manifest
// whose root is not the chain's, a grant by the wrong identity, a cfrag for someone else.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import type { WasmModule } from '../../src/crypto';

const repo = resolve(__dirname, '../../..');
const vectorsJson = readFileSync(resolve(repo, 'packages/crypto/test-vectors/v1.json'), 'utf8');
const vectors = JSON.parse(vectorsJson);
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

/** The keys twinshare-crypto pins for the "abandon ... about" phrase, read from its source. */
function pinned(name: string): string {
  const src = readFileSync(resolve(repo, 'packages/crypto/src/keys.rs'), 'utf8');
  const m = src.match(new RegExp(`const ${name}: &str =\\s*"([0-9a-f]{66})"`));
  if (!m) throw new Error(`${name} not found in packages/crypto/src/keys.rs`);
  return m[1];
}

let m: WasmModule;

beforeAll(async () => {
  const glue = await import('../../src/wasm/twinshare_crypto_wasm.js');
  const bytes = readFileSync(resolve(__dirname, '../../src/wasm/twinshare_crypto_wasm_bg.wasm'));
  await glue.default({ module_or_path: bytes });
  m = glue as unknown as WasmModule;
});

describe('wasm crypto module', () => {
  it('recomputes the crypto test vectors to their root', () => {
    expect(m.testVectorRoot(vectorsJson)).toBe(vectors.root);
  });

  it('refuses altered test vectors', () => {
    const bad = JSON.parse(vectorsJson);
    bad.ciphertexts[0] = bad.ciphertexts[0].replace(/^../, (b: string) => (b === '00' ? '01' : '00'));
    expect(() => m.testVectorRoot(JSON.stringify(bad))).toThrow();
  });

  it('derives the keys twinshare-crypto (and so the CLI) pins for a mnemonic', () => {
    const id = m.Identity.fromMnemonic(ABANDON);
    expect(id.verifyingKeyHex()).toBe(pinned('PINNED_VERIFYING'));
    expect(id.receivingPublicKeyHex()).toBe(pinned('PINNED_RECEIVING'));
    id.free();
  });

  it('refuses a bad mnemonic with a readable error', () => {
    expect(() => m.Identity.fromMnemonic('abandon abandon zzzz')).toThrow(/mnemonic|word/i);
  });

  it('sha256Hex equals Node crypto', () => {
    const data = new Uint8Array(1000).map((_, i) => (i * 7) % 256);
    expect(m.sha256Hex(data)).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('a download refuses a manifest whose root is not the one on chain', () => {
    const id = m.Identity.fromMnemonic(ABANDON);
    const cfrags = Uint8Array.from(Buffer.from(vectors.cfrags, 'hex'));
    const otherRoot = vectors.root.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    expect(() => new m.Download(id, JSON.stringify(vectors.manifest), otherRoot, cfrags)).toThrow(/manifest root does not match the chain/);
    id.free();
  });

  it("a download refuses cfrags made for another buyer's key", () => {
    const id = m.Identity.fromMnemonic(ABANDON);
    const cfrags = Uint8Array.from(Buffer.from(vectors.cfrags, 'hex'));
    expect(() => new m.Download(id, JSON.stringify(vectors.manifest), vectors.root, cfrags)).toThrow();
    id.free();
  });

  it("a grant refuses a manifest that is not the identity's", () => {
    const id = m.Identity.fromMnemonic(ABANDON);
    const pk = vectors.public_keys;
    expect(() => id.grant(vectors.asset_id, pk.buyer_receiving, pk.relayer ?? pk.buyer_receiving, JSON.stringify(vectors.manifest))).toThrow();
    expect(() => id.grant(`assets/${vectors.asset_id}`, pk.buyer_receiving, pk.buyer_receiving, JSON.stringify(vectors.manifest))).toThrow(/path/);
    id.free();
  });
});
