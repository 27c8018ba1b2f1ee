// Helpers of the browser end-to-end tests and the benchmark: the running localnet (CosmJS from
// Node, funded by the DEV-ONLY `alice`), throwaway accounts, an escrow of the test's own, the real
// `twinshare` CLI and `twinshare-relayer` daemon as child processes, the built page served by
// `vite preview`, and Debian's chromium driven by playwright-core.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CosmWasmClient, SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from '@cosmjs/proto-signing';
import { GasPrice } from '@cosmjs/stargate';
import { Bip39, Random } from '@cosmjs/crypto';
import { toUtf8 } from '@cosmjs/encoding';
import { chromium } from 'playwright-core';

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO = resolve(WEB, '..');
export const SHOTS = join(WEB, 'test-results', 'screenshots');
export const START = 'run `localnet/start.sh && localnet/deploy.sh` first';

export const log = (...a) => console.log(`[e2e ${new Date().toISOString().slice(11, 19)}]`, ...a);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function deployment() {
  const path = process.env.TWINSHARE_E2E_DEPLOYMENT || join(REPO, 'localnet', 'deployment.json');
  return { path, d: JSON.parse(readFileSync(path, 'utf8')) };
}

export function devAccounts() {
  return JSON.parse(readFileSync(join(REPO, 'localnet', 'dev-accounts.json'), 'utf8')).accounts;
}

export async function wallet(mnemonic) {
  return DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: 'wasm', hdPaths: [makeCosmoshubPath(0)] });
}

export function freshMnemonic() {
  return Bip39.encode(Random.getBytes(32)).toString();
}

/** The chain from Node: queries, and signing as any mnemonic. */
export class Net {
  static async connect() {
    const { path, d } = deployment();
    let q;
    try {
      q = await CosmWasmClient.connect(d.rpc);
      await q.getHeight();
    } catch (e) {
      throw new Error(`no chain answers at ${d.rpc} (${e.message}): ${START}`);
    }
    const net = new Net(path, d, q);
    return net;
  }

  constructor(path, d, q) {
    this.path = path;
    this.d = d;
    this.q = q;
  }

  async signer(mnemonic) {
    const w = await wallet(mnemonic);
    const [a] = await w.getAccounts();
    const c = await this.retry('connecting', () =>
      SigningCosmWasmClient.connectWithSigner(this.d.rpc, w, { gasPrice: GasPrice.fromString(this.d.gas_price) }),
    );
    return { address: a.address, client: c, wallet: w };
  }

  dev(name) {
    const a = devAccounts().find((x) => x.name === name);
    if (!a) throw new Error(`no dev account ${name}`);
    return a;
  }

  async cw20(address, token = this.d.contracts['payment-token']) {
    return BigInt((await this.q.queryContractSmart(token, { balance: { address } })).balance);
  }

  async ustake(address) {
    return BigInt((await this.q.getBalance(address, this.d.fee_denom)).amount);
  }

  async sequence(address) {
    const a = await this.q.getAccount(address);
    return a ? a.sequence : -1;
  }

  async sale(escrow, id) {
    return this.q.queryContractSmart(escrow, { sale: { id } });
  }

  async salesByBuyer(escrow, buyer) {
    return (await this.q.queryContractSmart(escrow, { sales_by_buyer: { buyer, limit: 50 } })).sales;
  }

  /** Retries a tx once the account's sequence moved (other suites send from the dev accounts too). */
  async retry(what, f) {
    for (let i = 0; ; i++) {
      try {
        return await f();
      } catch (e) {
        if (i < 5 && /sequence mismatch|incorrect account sequence|fetch failed/i.test(e.message)) {
          await sleep(400);
          continue;
        }
        throw new Error(`${what}: ${e.message}`);
      }
    }
  }

  /** Funds throwaway accounts from `alice`: ustake for fees, TWIN (cw20) to pay. */
  async fund(grants) {
    const alice = await this.signer(this.dev('alice').mnemonic);
    const token = this.d.contracts['payment-token'];
    const msgs = [];
    for (const g of grants) {
      if (g.ustake)
        msgs.push({
          typeUrl: '/cosmos.bank.v1beta1.MsgSend',
          value: { fromAddress: alice.address, toAddress: g.address, amount: [{ denom: this.d.fee_denom, amount: String(g.ustake) }] },
        });
      if (g.twin) msgs.push(executeMsg(alice.address, token, { transfer: { recipient: g.address, amount: String(g.twin) } }));
    }
    return this.retry('funding', () => alice.client.signAndBroadcast(alice.address, msgs, 'auto'));
  }

  /** An escrow of the test's own (the deployed code, wired to the deployed contracts), so the
   * test's relayer daemon sees only the test's sales. */
  async ownEscrow(rekeySecs = 600, deliverySecs = 600) {
    const alice = await this.signer(this.dev('alice').mnemonic);
    const c = this.d.contracts;
    const r = await this.retry('instantiating an escrow', () =>
      alice.client.instantiate(
        alice.address,
        this.d.code_ids.escrow,
        {
          admin: this.d.accounts.admin,
          data_token: c['data-token'],
          storage_payment: c['storage-payment'],
          arbiter: this.d.accounts.arbiter,
          relayer_fee_bps: 500,
          rekey_timeout_secs: rekeySecs,
          delivery_timeout_secs: deliverySecs,
          dispute_window_secs: 3600,
          max_kfrags_bytes: null,
        },
        `web-e2e-escrow-${Date.now()}`,
        'auto',
        { admin: this.d.accounts.admin },
      ),
    );
    return r.contractAddress;
  }

  /** The deployment with another escrow, written into `dir`. */
  withEscrow(escrow, dir) {
    const d = { ...this.d, contracts: { ...this.d.contracts, escrow } };
    const path = join(dir, 'deployment.json');
    writeFileSync(path, JSON.stringify(d, null, 2));
    return { path, d };
  }
}

function executeMsg(sender, contract, msg) {
  return {
    typeUrl: '/cosmwasm.wasm.v1.MsgExecuteContract',
    value: { sender, contract, msg: toUtf8(JSON.stringify(msg)), funds: [] },
  };
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

// ---------------------------------------------------------------------------------------------
// Binaries.

const built = new Map();

/** Builds (when stale) and returns a workspace binary; done before any network use, since the
 * synchronous build blocks the event loop (and stale keep-alive sockets make fetch fail). */
function cargoBin(pkg, bin, envVar) {
  if (process.env[envVar]) return process.env[envVar];
  if (built.has(bin)) return built.get(bin);
  // The benchmark compares against the native download: it wants optimized binaries.
  const release = process.env.TWINSHARE_E2E_RELEASE === '1' ? ['--release'] : [];
  const r = spawnSync(
    'cargo',
    ['build', ...release, '-q', '-p', pkg, '--bin', bin, '--message-format', 'json-render-diagnostics'],
    { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, CARGO_TARGET_DIR: process.env.CARGO_TARGET_DIR || join(process.env.HOME, '.cache/twinshare/target') } },
  );
  if (r.status !== 0) throw new Error(`cargo build -p ${pkg} --bin ${bin} failed:\n${r.stderr}`);
  const exe = r.stdout
    .split('\n')
    .filter((l) => l.includes('"executable"'))
    .map((l) => JSON.parse(l).executable)
    .filter((e) => e && e.endsWith(`/${bin}`))
    .pop();
  if (!exe) throw new Error(`cargo built no ${bin}`);
  built.set(bin, exe);
  return exe;
}

export const twinshareBin = () => cargoBin('twinshare-cli', 'twinshare', 'TWINSHARE_BIN');
export const relayerBin = () => cargoBin('twinshare-relayer', 'twinshare-relayer', 'TWINSHARE_RELAYER_BIN');

/** The `twinshare` CLI with a private home, data, state and `fs` storage folder. */
export class Cli {
  constructor(deploymentPath) {
    this.dir = mkdtempSync(join(tmpdir(), 'twinshare-web-e2e-'));
    for (const sub of ['home', 'data', 'state', 'store', 'config']) mkdirSync(join(this.dir, sub), { recursive: true });
    this.deployment = deploymentPath;
    this.bin = twinshareBin();
  }

  path(name) {
    return join(this.dir, name);
  }

  /** Deletes the home, data and storage folder (kept with TWINSHARE_E2E_KEEP=1, for a look). */
  cleanup() {
    if (process.env.TWINSHARE_E2E_KEEP === '1') return;
    rmSync(this.dir, { recursive: true, force: true });
  }

  get storageUri() {
    return `fs://${this.path('store')}`;
  }

  env() {
    const env = { ...process.env };
    for (const v of ['TWINSHARE_FROM', 'TWINSHARE_PASSWORD', 'TWINSHARE_CONFIG', 'RUST_LOG']) delete env[v];
    return {
      ...env,
      TWINSHARE_HOME: this.path('home'),
      XDG_DATA_HOME: this.path('data'),
      XDG_STATE_HOME: this.path('state'),
      XDG_CONFIG_HOME: this.path('config'),
      TWINSHARE_DEPLOYMENT: this.deployment,
      TWINSHARE_STORAGE: this.storageUri,
    };
  }

  run(args) {
    const r = spawnSync(this.bin, args, { cwd: this.dir, env: this.env(), encoding: 'utf8', maxBuffer: 64 << 20 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** `twinshare ARGS --output json`, which must succeed. */
  json(args) {
    const r = this.run([...args, '--output', 'json']);
    if (r.code !== 0) throw new Error(`twinshare ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
    return JSON.parse(r.stdout);
  }

  importKey(name, mnemonic) {
    const file = this.path(`${name}.mnemonic`);
    writeFileSync(file, mnemonic);
    return this.json(['keys', 'import', name, '--mnemonic-file', file, '--unencrypted']);
  }
}

/** Makes sure the dev `provider` lists storage with the dev `relayer` (as the Rust e2e tests do). */
export async function ensureProvider(net, cli) {
  const provider = net.dev('provider').address;
  const relayer = net.dev('relayer').address;
  const p = await net.q.queryContractSmart(net.d.contracts['storage-payment'], { provider: { address: provider } }).catch(() => null);
  const good = p && p.active && p.relayer === relayer && 'cw20' in p.denom && p.denom.cw20 === net.d.contracts['payment-token'];
  if (!good) {
    cli.json(['keys', 'import-dev']);
    cli.json(['--from', 'provider', 'provider', 'register', '--price', '0.0000003', '--relayer', 'relayer']);
  }
  return provider;
}

// ---------------------------------------------------------------------------------------------
// Child processes.

export class Proc {
  constructor(name, child, logPath) {
    this.name = name;
    this.child = child;
    this.logPath = logPath;
    this.exited = null;
    child.on('exit', (code, sig) => (this.exited = { code, sig }));
  }
  logText() {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }
  alive() {
    return this.exited === null;
  }
  async stop() {
    if (!this.alive()) return;
    this.child.kill('SIGTERM');
    for (let i = 0; i < 50 && this.alive(); i++) await sleep(100);
    if (this.alive()) this.child.kill('SIGKILL');
  }
}

function spawnLogged(name, cmd, args, opts, logPath) {
  const out = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  return new Proc(name, child, logPath);
}

/** The relayer daemon: the dev `relayer` account, this escrow, this storage, its own database,
 * its HTTP (healthz and the read-only storage endpoint) on a free port. */
export async function startRelayer(dir, deploymentPath, escrow, storageUri) {
  const port = await freePort();
  const http = `127.0.0.1:${port}`;
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'relayer.toml');
  writeFileSync(
    config,
    [
      '[chain]',
      `deployment = ${JSON.stringify(deploymentPath)}`,
      `escrow = ${JSON.stringify(escrow)}`,
      'sweep_interval_secs = 5',
      '[relayer]',
      `dev_accounts = ${JSON.stringify(join(REPO, 'localnet', 'dev-accounts.json'))}`,
      '[storage]',
      `uri = ${JSON.stringify(storageUri)}`,
      '[db]',
      `path = ${JSON.stringify(join(dir, 'relayer.redb'))}`,
      '[lane]',
      'linger_ms = 20',
      '[retry]',
      'min_delay_ms = 100',
      'max_delay_ms = 2000',
      '[http]',
      `listen = ${JSON.stringify(http)}`,
      'storage = true',
      '[daemon]',
      'shutdown_grace_secs = 2',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, RUST_LOG: 'info,opendal=warn,tendermint_rpc=warn' };
  delete env.TWINSHARE_RELAYER_MNEMONIC;
  delete env.TWINSHARE_RELAYER_CONFIG;
  const proc = spawnLogged('relayer', relayerBin(), ['--config', config, 'run'], { env }, join(dir, 'relayer.log'));
  const started = Date.now();
  for (;;) {
    try {
      const r = await fetch(`http://${http}/healthz`);
      if (r.ok) break;
    } catch {
      // Not up yet.
    }
    if (!proc.alive()) throw new Error(`the relayer exited; its log:\n${proc.logText()}`);
    if (Date.now() - started > 60_000) throw new Error(`the relayer is not healthy after 60 s; its log:\n${proc.logText()}`);
    await sleep(100);
  }
  return { proc, http, storageBase: `http://${http}/storage/v1/` };
}

/** `vite preview` of dist/ on a free loopback port. */
export async function startPreview(logDir) {
  if (!existsSync(join(WEB, 'dist', 'index.html'))) throw new Error('no web/dist: run `npm run build` first');
  const port = await freePort();
  const proc = spawnLogged(
    'vite preview',
    process.execPath,
    [join(WEB, 'node_modules', 'vite', 'bin', 'vite.js'), 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    { cwd: WEB },
    join(logDir, 'preview.log'),
  );
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return { proc, url };
    } catch {
      // Not up yet.
    }
    if (!proc.alive()) throw new Error(`vite preview exited:\n${proc.logText()}`);
    await sleep(100);
  }
  throw new Error(`vite preview did not answer at ${url}`);
}

/** Debian's chromium, headless. Playwright gives the browser a fresh temporary user-data dir
 * (deleted on close), and each `newContext()` is a fresh, isolated profile: one per actor. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  return page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
