// The web wallet in Debian's chromium against the running localnet and a running relayer daemon.
// An owner lists an asset with the `twinshare` CLI; in the page a buyer connects (built-in
// signer), buys, watches the timeline, the owner grants from the page, the daemon delivers, the
// buyer downloads and the page shows the decrypted data's root equal to the registered one (and
// the saved file's SHA-256 equal to the original's); a purchase without the funds and a wrong
// keystore password each show a clear error and change nothing on chain; the Keplr path (a
// stand-in object at window.keplr, see keplr-standin.mjs) confirms the sale.
//
// Run: npm run e2e (after `npm run build`; the chain from localnet/start.sh + deploy.sh).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { Cli, ensureProvider, relayerBin, twinshareBin, freshMnemonic, launchBrowser, log, Net, sha256, shot, sleep, startPreview, startRelayer, wallet } from './lib.mjs';
import { listAsset } from './setup.mjs';
import { installKeplrStandIn } from './keplr-standin.mjs';

const PRICE = 40_000n;
const PASSWORD = 'twinshare-e2e-password';
const S = {};

async function addressOf(mnemonic) {
  const [a] = await (await wallet(mnemonic)).getAccounts();
  return a.address;
}

/** A fresh browser context (its own localStorage) serving the test's deployment to the page. */
async function actor(name) {
  const context = await S.browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
  await context.route('**/e2e/deployment.json', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(S.deployment.d) }),
  );
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`${name} page error: ${e.message}`));
  return { context, page };
}

function pageUrl(hash = '#/connect') {
  const q = new URLSearchParams({ deployment: `${S.preview.url}e2e/deployment.json`, storage: S.relayer.storageBase });
  return `${S.preview.url}?${q}${hash}`;
}

async function importMnemonic(page, mnemonic) {
  await page.goto(pageUrl('#/connect'));
  await page.getByTestId('import-mnemonic').fill(mnemonic);
  await page.getByTestId('import-password').fill(PASSWORD);
  await page.getByTestId('import-password2').fill(PASSWORD);
  await page.getByTestId('import').click();
  await page.getByTestId('connected-address').waitFor({ timeout: 30_000 });
}

async function chainState(address) {
  const sales = await S.net.salesByBuyer(S.escrow, address);
  return { twin: await S.net.cw20(address), ustake: await S.net.ustake(address), sequence: await S.net.sequence(address), sales: sales.length };
}

describe('web wallet on the localnet', { timeout: 600_000 }, () => {
  before(async () => {
    twinshareBin();
    relayerBin();
    S.net = await Net.connect();
    const bootstrap = new Cli(S.net.path);
    S.provider = await ensureProvider(S.net, bootstrap);
    bootstrap.cleanup();
    S.escrow = await S.net.ownEscrow();
    S.cli = new Cli(S.net.path);
    S.deployment = S.net.withEscrow(S.escrow, S.cli.dir);
    S.cli.deployment = S.deployment.path;
    S.owner = freshMnemonic();
    S.buyer = freshMnemonic();
    S.poor = freshMnemonic();
    S.ownerAddr = await addressOf(S.owner);
    S.buyerAddr = await addressOf(S.buyer);
    S.poorAddr = await addressOf(S.poor);
    await S.net.fund([
      { address: S.ownerAddr, ustake: 3_000_000, twin: 100_000 },
      { address: S.buyerAddr, ustake: 2_000_000, twin: 60_000 },
      { address: S.poorAddr, ustake: 1_000_000, twin: 100 },
    ]);
    S.cli.importKey('owner', S.owner);
    S.asset = listAsset(S.cli, {
      members: [S.buyerAddr, S.poorAddr],
      bytes: 200 * 1024,
      fragmentSize: 64 * 1024, // 4 fragments: the progress bar moves, each one is verified
      price: PRICE,
      channel: `web-e2e-${Date.now().toString(36)}`,
    });
    log(`asset ${S.asset.assetId} (record ${S.asset.recordId}, root ${S.asset.root}) on escrow ${S.escrow}`);
    S.relayer = await startRelayer(S.cli.path('relayer'), S.net.path, S.escrow, S.cli.storageUri);
    S.preview = await startPreview(S.cli.dir);
    S.browser = await launchBrowser();
    S.buyerCtx = await actor('buyer');
  });

  after(async () => {
    await S.browser?.close();
    await S.preview?.proc.stop();
    await S.relayer?.proc.stop();
    S.cli?.cleanup();
  });

  it('the storage endpoint serves the manifest with CORS', async () => {
    const r = await fetch(`${S.relayer.storageBase}${S.asset.up.locator}`, { headers: { Origin: S.preview.url.replace(/\/$/, '') } });
    assert.equal(r.status, 200, `GET manifest: ${r.status}`);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
  });

  it('a wrong keystore password shows a clear error and changes nothing on chain', async () => {
    const { page } = S.buyerCtx;
    await importMnemonic(page, S.buyer);
    assert.equal(await page.getByTestId('connected-address').textContent(), S.buyerAddr, 'same address as `twinshare keys`');
    await shot(page, '01-connect-connected');
    await page.getByRole('button', { name: 'Disconnect' }).click();
    const before = await chainState(S.buyerAddr);
    await page.getByTestId('unlock-password').fill('not-the-password');
    await page.getByTestId('unlock').click();
    const err = page.getByRole('alert');
    await err.waitFor();
    assert.match(await err.textContent(), /^Wrong password: the keystore could not be decrypted/);
    assert.equal(await page.getByTestId('connected-address').count(), 0, 'not connected');
    await shot(page, '02-connect-wrong-password');
    assert.deepEqual(await chainState(S.buyerAddr), before, 'nothing changed on chain');
    await page.getByTestId('unlock-password').fill(PASSWORD);
    await page.getByTestId('unlock').click();
    await page.getByTestId('connected-address').waitFor();
  });

  it('the market lists the asset; its detail shows the on-chain record', async () => {
    const { page } = S.buyerCtx;
    await page.goto(pageUrl('#/market'));
    await page.locator(`tr[data-asset="${S.asset.assetId}"]`).waitFor({ timeout: 30_000 });
    await page.getByTestId('filter-kind').selectOption('vibration');
    await page.locator(`tr[data-asset="${S.asset.assetId}"]`).waitFor();
    await shot(page, '03-market');
    await page.click(`tr[data-asset="${S.asset.assetId}"] a`);
    await page.getByTestId('record-hash').waitFor();
    assert.equal(await page.getByTestId('record-hash').textContent(), S.asset.root);
    assert.equal(await page.getByTestId('asset-openness').textContent(), 'public');
    await shot(page, '04-asset-detail');
  });

  it('the buyer buys with a cw20 Send into escrow', async () => {
    const { page } = S.buyerCtx;
    const before = await chainState(S.buyerAddr);
    await page.getByTestId('buy').click();
    const ok = page.getByTestId('bought');
    await ok.waitFor({ timeout: 30_000 });
    S.saleId = Number((await ok.textContent()).match(/sale #(\d+)/)[1]);
    await shot(page, '05-bought');
    const sale = await S.net.sale(S.escrow, S.saleId);
    assert.equal(sale.buyer, S.buyerAddr);
    assert.equal(sale.asset_id, S.asset.assetId);
    assert.ok(['paid', 're_key_submitted', 'delivered'].includes(sale.status), sale.status);
    assert.equal(await S.net.cw20(S.buyerAddr), before.twin - PRICE, 'the price left the buyer');
  });

  it('before the grant the download screen says why it cannot download yet', async () => {
    const { page } = S.buyerCtx;
    await page.goto(pageUrl(`#/download/${S.saleId}`));
    const why = page.getByTestId('not-downloadable');
    await why.waitFor({ timeout: 20_000 });
    assert.match(await why.textContent(), /seller has not granted it yet/);
    await page.getByTestId('start-download').click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').textContent(), /seller has not granted/);
    await shot(page, '06-download-not-yet');
    await page.goto(pageUrl('#/purchases'));
    await page.getByTestId(`status-${S.saleId}`).waitFor({ timeout: 20_000 });
    assert.equal(await page.getByTestId(`status-${S.saleId}`).textContent(), 'paid');
    await shot(page, '07-purchases-paid');
  });

  it('the owner grants the sale from the page; the relayer delivers; the timeline follows live', async () => {
    S.ownerCtx = await actor('owner');
    const { page } = S.ownerCtx;
    await importMnemonic(page, S.owner);
    await page.goto(pageUrl('#/owner'));
    const grant = page.getByTestId(`grant-${S.saleId}`);
    await grant.waitFor({ timeout: 30_000 });
    await shot(page, '08-owner-before-grant');
    await grant.click();
    await page.getByText(/Re-key submitted for sale/).waitFor({ timeout: 30_000 });
    await shot(page, '09-owner-granted');
    const s = await S.net.sale(S.escrow, S.saleId);
    assert.ok(['re_key_submitted', 'delivered'].includes(s.status), s.status);
    assert.ok(s.kfrags, 'the sealed kfrags are on chain');
    // The buyer's page, not reloaded, turns to "delivered" from the block stream.
    const buyer = S.buyerCtx.page;
    await buyer.waitForFunction((id) => document.querySelector(`[data-testid="status-${id}"]`)?.textContent === 'delivered', S.saleId, {
      timeout: 90_000,
    });
    await shot(buyer, '10-purchases-delivered');
    const d = await S.net.sale(S.escrow, S.saleId);
    assert.equal(d.status, 'delivered');
    assert.ok(d.cfrag_locator.endsWith(`cfrags/${S.saleId}.bin`), d.cfrag_locator);
  });

  it('the buyer downloads: every fragment verified, root equals the registered hash, file saved', async () => {
    const { page } = S.buyerCtx;
    await page.getByTestId(`download-${S.saleId}`).click();
    await page.getByTestId('start-download').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('start-download').click()]);
    await page.getByTestId('verified').waitFor({ timeout: 60_000 });
    const computed = await page.getByTestId('computed-root').textContent();
    const registered = await page.getByTestId('registered-root').textContent();
    assert.equal(computed, S.asset.root, 'root of the decrypted data = root registered by the CLI');
    assert.equal(registered, S.asset.root);
    assert.equal(await page.getByTestId('file-sha256').textContent(), S.asset.sha256, "the page's SHA-256 = the original file's");
    assert.equal(await page.getByTestId('progress').getAttribute('value'), String(S.asset.up.fragments));
    assert.ok(S.asset.up.fragments >= 4, `${S.asset.up.fragments} fragments`);
    const saved = readFileSync(await download.path());
    assert.equal(sha256(saved), S.asset.sha256, "the saved file is the owner's, byte for byte");
    await shot(page, '11-download-verified');
  });

  it('a purchase without the funds shows a clear error and changes nothing on chain', async () => {
    const { page } = await actor('poor buyer');
    await importMnemonic(page, S.poor);
    const before = await chainState(S.poorAddr);
    await page.goto(pageUrl(`#/asset/${S.asset.assetId}`));
    await page.getByTestId('buy').click();
    const err = page.getByRole('alert');
    await err.waitFor({ timeout: 20_000 });
    assert.match(await err.textContent(), /^Insufficient funds: asset \d+ costs 40,000 TWIN.*holds 100; get 39,900 more first\. Nothing was sent\./);
    await shot(page, '12-buy-insufficient-funds');
    assert.deepEqual(await chainState(S.poorAddr), before, 'balances, sequence and sales unchanged');
  });

  it('Keplr (a stand-in at window.keplr backed by a CosmJS signer) connects and confirms the sale', async () => {
    const context = await S.browser.newContext({ viewport: { width: 1200, height: 900 } });
    await context.route('**/e2e/deployment.json', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(S.deployment.d) }),
    );
    const calls = await installKeplrStandIn(context, S.buyer);
    const page = await context.newPage();
    await page.goto(pageUrl('#/connect'));
    await page.getByTestId('connect-keplr').click();
    await page.getByTestId('connected-address').waitFor({ timeout: 20_000 });
    assert.equal(await page.getByTestId('connected-address').textContent(), S.buyerAddr);
    assert.equal(calls.suggested[0].chainId, S.deployment.d.chain_id);
    assert.equal(calls.suggested[0].bech32Config.bech32PrefixAccAddr, 'wasm');
    assert.deepEqual(calls.enabled, [S.deployment.d.chain_id]);
    assert.match(await page.getByTestId('umbral-missing').textContent(), /Keplr cannot provide the Umbral keys/);
    await shot(page, '13-connect-keplr');
    const ownerBefore = await S.net.cw20(S.ownerAddr);
    await page.goto(pageUrl('#/purchases'));
    await page.getByTestId(`confirm-${S.saleId}`).click();
    await page.getByTestId('outcome').or(page.getByRole('alert')).first().waitFor({ timeout: 30_000 });
    if (await page.getByRole('alert').count()) assert.fail(`the page says: ${await page.getByRole('alert').first().textContent()}`);
    assert.match(await page.getByTestId('outcome').textContent(), /confirmed: the seller is paid/);
    assert.equal(calls.signed, 1, 'the stand-in signed the confirm');
    await page.waitForFunction((id) => document.querySelector(`[data-testid="status-${id}"]`)?.textContent === 'confirmed', S.saleId, { timeout: 30_000 });
    await shot(page, '14-purchases-confirmed-keplr');
    const sale = await S.net.sale(S.escrow, S.saleId);
    assert.equal(sale.status, 'confirmed');
    const fee = BigInt(sale.relayer_fee);
    assert.equal(await S.net.cw20(S.ownerAddr), ownerBefore + PRICE - fee, 'the seller got the price less the fee');
  });

  it('the owner screen shows records, assets and leases with capacity', async () => {
    const { page } = S.ownerCtx;
    await page.goto(pageUrl('#/market')); // The page is on #/owner already: leave and come back.
    await page.goto(pageUrl('#/owner'));
    await page.locator(`[data-asset="${S.asset.assetId}"]`).waitFor({ timeout: 30_000 });
    await page.getByTestId(`seller-status-${S.saleId}`).waitFor();
    await page.getByTestId('capacity').waitFor();
    assert.equal(await page.getByTestId(`seller-status-${S.saleId}`).textContent(), 'confirmed');
    await shot(page, '15-owner');
  });

  it('the owner changes the price and buys, extends and cancels a lease from the page', async () => {
    const { page } = S.ownerCtx;
    const storage = S.deployment.d.contracts['storage-payment'];
    const outcome = async (re) => {
      await page.getByTestId('outcome').or(page.getByRole('alert')).first().waitFor({ timeout: 30_000 });
      if (await page.getByRole('alert').count()) assert.fail(`the page says: ${await page.getByRole('alert').first().textContent()}`);
      await page.getByText(re).waitFor({ timeout: 30_000 });
      // The sections reload half a second after an action: let them settle before the next one.
      await page.waitForTimeout(700);
      await page.waitForFunction(() => !document.querySelector('.state.loading'), null, { timeout: 30_000 });
    };
    await page.getByTestId(`price-${S.asset.assetId}`).fill('45000');
    await page.getByTestId(`set-price-${S.asset.assetId}`).click();
    await outcome(/Price of asset \d+ changed/);
    const asset = await S.net.q.queryContractSmart(S.deployment.d.contracts['data-token'], { asset: { id: S.asset.assetId } });
    assert.equal(asset.price.amount, '45000');

    const leases = async () => (await S.net.q.queryContractSmart(storage, { leases_by_owner: { owner: S.ownerAddr, limit: 50 } })).leases;
    const before = await leases();
    await page.getByTestId('lease-bytes').fill('1000');
    await page.getByTestId('lease-secs').fill('600');
    await page.getByTestId('buy-lease').click();
    await outcome(/Lease bought for/);
    const after = await leases();
    assert.equal(after.length, before.length + 1);
    const lease = after[after.length - 1];
    assert.equal(lease.bytes, 1000);
    await page.getByTestId(`extend-${lease.id}`).waitFor();
    await page.getByTestId(`extend-${lease.id}`).click();
    await outcome(new RegExp(`Lease ${lease.id} extended by 86400 s`));
    const extended = (await S.net.q.queryContractSmart(storage, { lease: { id: lease.id } })).lease;
    assert.equal(BigInt(extended.end) - BigInt(lease.end), 86_400n * 1_000_000_000n, 'end moved by the extension');
    await page.getByTestId(`cancel-${lease.id}`).click();
    await outcome(new RegExp(`Lease ${lease.id} cancelled`));
    assert.equal((await S.net.q.queryContractSmart(storage, { lease: { id: lease.id } })).lease.cancelled, true);
    await shot(page, '16-owner-lease-cancelled');
  });

  it('error and empty states: an unreachable deployment, no asset matching the filters', async () => {
    const { page } = await actor('visitor');
    await page.goto(`${S.preview.url}?deployment=${encodeURIComponent('http://127.0.0.1:9/nowhere.json')}#/market`);
    const boot = page.getByTestId('boot-error');
    await boot.waitFor({ timeout: 20_000 });
    assert.match(await boot.textContent(), /^Could not fetch the deployment at http:\/\/127\.0\.0\.1:9\/nowhere\.json/);
    await shot(page, '17-boot-error');
    await page.goto(pageUrl('#/market'));
    await page.getByTestId('filter-price').waitFor({ timeout: 30_000 });
    // data-token refuses a zero price, so no listing on any chain matches a maximum of 0.
    await page.getByTestId('filter-price').fill('0');
    await page.getByText('No asset matches these filters.').waitFor();
    await shot(page, '18-market-no-match');
  });
});
