// Loads the web wallet's crypto module (web/src/wasm/, built by scripts/build-web-wasm.sh) in
// Node exactly as the page does (the --target web glue, wasm bytes passed to init) and checks it:
// the crypto crate's test vectors recompute to their root (inside: the stored cfrags and a fresh
// relay of the stored sealed kfrags open through Download), the "abandon ... about" phrase gives
// the keys twinshare-crypto pins, a tampered fragment and a foreign root are refused.
//
//   node scripts/web-wasm-check.mjs               # the checks
//   node scripts/web-wasm-check.mjs --bench DIR   # then time Download on the fixture that
//       `cargo run --release -p twinshare-crypto-wasm --example download_bench -- DIR` wrote
//
// Vitest (web/) can reuse it: `import { loadWasm, checkWasm } from '../../../scripts/web-wasm-check.mjs'`.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WASM_DIR = join(REPO, 'web/src/wasm');
const ABANDON =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

/** The initialised module (its exports: Identity, Download, testVectorRoot, sha256Hex). */
export async function loadWasm(dir = WASM_DIR) {
  const glue = await import(pathToFileURL(join(dir, 'twinshare_crypto_wasm.js')).href);
  await glue.default({ module_or_path: readFileSync(join(dir, 'twinshare_crypto_wasm_bg.wasm')) });
  return glue;
}

/** A key twinshare-crypto pins in its source for the "abandon ... about" phrase. */
function pinned(name) {
  const src = readFileSync(join(REPO, 'packages/crypto/src/keys.rs'), 'utf8');
  const m = src.match(new RegExp(`const ${name}: &str =\\s*"([0-9a-f]{66})"`));
  if (!m) throw new Error(`${name} not found in packages/crypto/src/keys.rs`);
  return m[1];
}

function expectThrow(what, f, pattern) {
  try {
    f();
  } catch (e) {
    if (pattern && !pattern.test(String(e.message))) {
      throw new Error(`${what}: threw ${JSON.stringify(e.message)}, expected ${pattern}`);
    }
    return String(e.message);
  }
  throw new Error(`${what}: did not throw`);
}

function equal(what, got, want) {
  if (got !== want) throw new Error(`${what}: got ${got}, expected ${want}`);
}

const hexBytes = (h) => Uint8Array.from(Buffer.from(h, 'hex'));

/** Runs every check; returns the lines it would print. Throws on the first failure. */
export function checkWasm(m) {
  const out = [];
  const vectorsJson = readFileSync(join(REPO, 'packages/crypto/test-vectors/v1.json'), 'utf8');
  const v = JSON.parse(vectorsJson);
  equal('test vector root', m.testVectorRoot(vectorsJson), v.root);
  out.push(`test vectors v1: root ${v.root}`);

  const bad = JSON.parse(vectorsJson);
  bad.ciphertexts[3] = bad.ciphertexts[3].slice(0, 60) + (bad.ciphertexts[3][60] === '0' ? '1' : '0') + bad.ciphertexts[3].slice(61);
  out.push(`altered vectors refused: ${expectThrow('altered vectors', () => m.testVectorRoot(JSON.stringify(bad)), /fragment 3/)}`);

  const id = m.Identity.fromMnemonic(ABANDON);
  equal('verifying key', id.verifyingKeyHex(), pinned('PINNED_VERIFYING'));
  equal('receiving key', id.receivingPublicKeyHex(), pinned('PINNED_RECEIVING'));
  out.push(`mnemonic keys: verifying ${id.verifyingKeyHex()}, receiving ${id.receivingPublicKeyHex()}`);
  expectThrow('bad mnemonic', () => m.Identity.fromMnemonic('abandon abandon'), /^invalid mnemonic/);
  const manifest = JSON.stringify(v.manifest);
  const otherRoot = (v.root[0] === '0' ? '1' : '0') + v.root.slice(1);
  expectThrow('foreign root', () => new m.Download(id, manifest, otherRoot, hexBytes(v.cfrags)), /^manifest root does not match the chain/);
  expectThrow('cfrags for another buyer', () => new m.Download(id, manifest, v.root, hexBytes(v.cfrags)), /cfrags do not open/);
  expectThrow('grant by another identity', () => id.grant(v.asset_id, v.public_keys.buyer_receiving, v.public_keys.relayer, manifest), /not the owner/);
  id.free();
  out.push('refusals: bad mnemonic, foreign root, cfrags for another buyer, grant by a non-owner');
  equal('sha256Hex', m.sha256Hex(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  return out;
}

/** Times Download on the download_bench fixture in `dir`: decrypt + verify only, best of 3. */
export function benchWasm(m, dir) {
  const meta = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8'));
  const manifestJson = readFileSync(join(dir, meta.manifest), 'utf8');
  const cfrags = new Uint8Array(readFileSync(join(dir, meta.cfrags)));
  const id = m.Identity.fromMnemonic(meta.buyer_mnemonic);
  const locators = JSON.parse(manifestJson).fragments.map((f) => f.locator);
  const sealed = locators.map((l) => new Uint8Array(readFileSync(join(dir, l))));
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    const d = new m.Download(id, manifestJson, meta.root, cfrags, meta.seller_verifying_key);
    let bytes = 0;
    for (let i = 0; i < d.fragmentCount(); i++) bytes += d.decryptFragment(i, sealed[i]).length;
    equal('bench root', d.finish(), meta.root);
    equal('bench size', bytes, meta.mib * 1024 * 1024);
    d.free();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  // A tampered fragment of the real asset is refused.
  const d = new m.Download(id, manifestJson, meta.root, cfrags, meta.seller_verifying_key);
  const t = sealed[1].slice();
  t[1000] ^= 1;
  expectThrow('tampered fragment', () => d.decryptFragment(1, t), /^fragment 1 failed verification/);
  d.free();
  id.free();
  return `Node ${process.version} wasm Download: ${meta.mib} MiB in ${sealed.length} fragments, best of 3: ${best.toFixed(3)} s, ${(meta.mib / best).toFixed(1)} MiB/s`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const m = await loadWasm();
  for (const line of checkWasm(m)) console.log(`web-wasm-check: ${line}`);
  const at = process.argv.indexOf('--bench');
  if (at > 0) console.log(benchWasm(m, process.argv[at + 1]));
  console.log('web-wasm-check: ok');
}
