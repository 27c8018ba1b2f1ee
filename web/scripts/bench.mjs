// `npm run bench`: figures, not assertions.
//   1. production bundle size: JS and wasm of dist/, raw and gzipped;
//   2. time from opening the page to the market listing on the localnet (fresh browser context
//      each time: cold cache), min / median / max of several loads;
//   3. decrypt+verify throughput of a 100 MiB asset (TWINSHARE_BENCH_MIB overrides), bought and
//      delivered through the relayer daemon: in the browser (fetch from the storage endpoint,
//      wasm decrypt + verify every fragment, Merkle root, SHA-256 of the file) against the
//      native CLI's `twinshare download` of the same sale (fs storage), in the same run.
// Needs the localnet (localnet/start.sh + deploy.sh); builds dist/ first, and the `twinshare` CLI
// and `twinshare-relayer` in the release profile.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { Cli, ensureProvider, relayerBin, twinshareBin, freshMnemonic, launchBrowser, Net, sha256, startPreview, startRelayer, wallet, WEB } from '../tests/e2e/lib.mjs';
import { listAsset } from '../tests/e2e/setup.mjs';

const MIB = Number(process.env.TWINSHARE_BENCH_MIB || 100);
const LOADS = Number(process.env.TWINSHARE_BENCH_LOADS || 5);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const say = (s) => console.log(s);

// 1. Bundle.
{
  const b = spawnSync('npm', ['run', 'build'], { cwd: WEB, stdio: ['ignore', 'ignore', 'inherit'] });
  if (b.status !== 0 || !existsSync(join(WEB, 'dist', 'index.html'))) process.exit(1);
}
const files = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else files.push(p);
  }
};
walk(join(WEB, 'dist', 'assets'));
const sum = (ext) => {
  const fs = files.filter((f) => f.endsWith(ext));
  const raw = fs.reduce((a, f) => a + statSync(f).size, 0);
  const gz = fs.reduce((a, f) => a + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  return { n: fs.length, raw, gz };
};
const js = sum('.js');
const wasmSize = sum('.wasm');
const css = sum('.css');
say('== bundle (dist/assets, gzip -9)');
say(`JS:   ${js.n} file(s), ${kib(js.raw)} raw, ${kib(js.gz)} gzipped`);
say(`wasm: ${wasmSize.n} file(s), ${kib(wasmSize.raw)} raw, ${kib(wasmSize.gz)} gzipped`);
say(`CSS:  ${kib(css.raw)} raw, ${kib(css.gz)} gzipped`);
say(`all:  ${kib(js.gz + wasmSize.gz + css.gz)} gzipped`);

// 2 and 3 need the chain, a listed asset, the relayer and the browser; the CLI and the daemon
// in the release profile, as the wasm module is optimized too.
process.env.TWINSHARE_E2E_RELEASE ??= '1';
twinshareBin();
relayerBin();
const net = await Net.connect();
const boot = new Cli(net.path);
await ensureProvider(net, boot);
boot.cleanup();
const escrow = await net.ownEscrow();
const cli = new Cli(net.path);
const dep = net.withEscrow(escrow, cli.dir);
cli.deployment = dep.path;
const owner = freshMnemonic();
const buyer = freshMnemonic();
const addr = async (m) => (await (await wallet(m)).getAccounts())[0].address;
const ownerAddr = await addr(owner);
const buyerAddr = await addr(buyer);
const leaseCost = Math.ceil(MIB * 1.1 * 1048576 * 1800 * 0.0000003) + 100_000;
await net.fund([
  { address: ownerAddr, ustake: 5_000_000, twin: leaseCost },
  { address: buyerAddr, ustake: 2_000_000, twin: 10_000 },
]);
cli.importKey('owner', owner);
cli.importKey('buyer', buyer);
say(`\n== setup: ${MIB} MiB uploaded by the CLI, bought, granted, delivered by the relayer daemon`);
const t0 = Date.now();
const asset = listAsset(cli, { members: [buyerAddr], bytes: MIB * 1048576, price: 1000, channel: `web-bench-${Date.now().toString(36)}` });
say(`upload + register + tokenize: ${((Date.now() - t0) / 1000).toFixed(1)} s (asset ${asset.assetId}, ${asset.up.fragments} fragments)`);
const relayer = await startRelayer(cli.path('relayer'), net.path, escrow, cli.storageUri);
const preview = await startPreview(cli.dir);
const browser = await launchBrowser();
try {
  const url = (hash) => {
    const q = new URLSearchParams({ deployment: `${preview.url}e2e/deployment.json`, storage: relayer.storageBase });
    return `${preview.url}?${q}${hash}`;
  };
  const context = async () => {
    const c = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await c.route('**/e2e/deployment.json', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(dep.d) }));
    return c;
  };

  // 2. Page open -> market listing.
  const times = [];
  for (let i = 0; i < LOADS; i++) {
    const c = await context();
    const page = await c.newPage();
    const start = Date.now();
    await page.goto(url('#/market'));
    await page.getByTestId('market-list').waitFor({ timeout: 60_000 });
    times.push(Date.now() - start);
    await c.close();
  }
  times.sort((a, b) => a - b);
  say(`\n== page open -> market listing (${LOADS} cold loads, ${preview.url})`);
  say(`min ${times[0]} ms, median ${times[Math.floor(times.length / 2)]} ms, max ${times[times.length - 1]} ms`);

  // The sale: bought and granted with the CLI, delivered by the daemon.
  const b = cli.json(['--from', 'buyer', 'buy', String(asset.assetId)]);
  cli.json(['--from', 'owner', 'grant', String(b.sale_id)]);
  const deadline = Date.now() + 180_000;
  while ((await net.sale(escrow, b.sale_id)).status !== 'delivered') {
    if (Date.now() > deadline) throw new Error(`sale ${b.sale_id} not delivered in 180 s:\n${relayer.proc.logText().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  // 3a. In the browser.
  const c = await context();
  const page = await c.newPage();
  await page.goto(url('#/connect'));
  await page.getByTestId('import-mnemonic').fill(buyer);
  await page.getByTestId('import-password').fill('bench-password');
  await page.getByTestId('import-password2').fill('bench-password');
  await page.getByTestId('import').click();
  await page.getByTestId('connected-address').waitFor({ timeout: 30_000 });
  await page.goto(url(`#/download/${b.sale_id}`));
  await page.getByTestId('start-download').waitFor({ timeout: 30_000 });
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 600_000 }), page.getByTestId('start-download').click()]);
  await page.getByTestId('verified').waitFor({ timeout: 600_000 });
  const el = page.getByTestId('elapsed');
  const webMs = Number(await el.getAttribute('data-ms'));
  const wasmMs = Number(await el.getAttribute('data-decrypt-ms'));
  const webBytes = Number(await el.getAttribute('data-bytes'));
  const saved = readFileSync(await download.path());
  const webOk = sha256(saved) === asset.sha256 && (await page.getByTestId('computed-root').textContent()) === asset.root;
  await c.close();

  // 3b. Native, same sale, same machine, same run.
  const out = cli.path('native.bin');
  const n0 = Date.now();
  const d = cli.json(['--from', 'buyer', 'download', '--sale', String(b.sale_id), '-o', out]);
  const nativeWall = Date.now() - n0;
  const nativeOk = sha256(readFileSync(out)) === asset.sha256 && d.root === asset.root;

  const rate = (bytes, ms) => `${(bytes / 1048576 / (ms / 1000)).toFixed(1)} MiB/s`;
  say(`\n== decrypt + verify ${MIB} MiB (${asset.up.fragments} fragments), sale ${b.sale_id}`);
  say(`browser (chromium, wasm; HTTP from the storage endpoint): ${(webMs / 1000).toFixed(2)} s, ${rate(webBytes, webMs)}${webOk ? '' : '  (MISMATCH!)'}`);
  say(`native  (twinshare download; fs storage):                 ${(d.elapsed_ms / 1000).toFixed(2)} s, ${rate(d.size, d.elapsed_ms)} (process wall ${(nativeWall / 1000).toFixed(2)} s)${nativeOk ? '' : '  (MISMATCH!)'}`);
  say(`browser, wasm decrypt+verify calls only (no fetch):      ${(wasmMs / 1000).toFixed(2)} s, ${rate(webBytes, wasmMs)}`);
  say(`browser / native time: ${(webMs / d.elapsed_ms).toFixed(2)}x end to end`);
  if (!webOk || !nativeOk) process.exitCode = 1;
} finally {
  await browser.close();
  await preview.proc.stop();
  await relayer.proc.stop();
  cli.cleanup(); // The 100 MiB file, its fragments and the two downloads.
}
