// Connect: Keplr when present; the built-in signer (import a mnemonic under a password, unlock it,
// or a DEV-ONLY localnet account); the connected account with its balances.
import type { App } from '../app';
import { action, empty, errorBox, field, h, kv, notice, section } from '../dom';
import { UserError } from '../errors';
import { keplrWallet, mnemonicWallet } from '../wallet';

export function connectScreen(app: App): HTMLElement {
  const root = h('section', { class: 'screen', 'data-screen': 'connect' }, h('h2', {}, 'Connect'));
  const d = app.config.deployment;

  if (app.wallet) {
    const w = app.wallet;
    const balances = h('div');
    void section(balances, 'balances', async () => {
      const [fee, twin] = await Promise.all([
        app.chain.feeBalance(w.address),
        app.chain.balanceOf(w.address, { cw20: d.contracts['payment-token'] }),
      ]);
      return kv([
        [d.fee_denom, h('span', { 'data-testid': 'fee-balance' }, fee.toLocaleString('en'))],
        ['TWIN (cw20, µ)', h('span', { 'data-testid': 'twin-balance' }, twin.toLocaleString('en'))],
      ]);
    });
    const out = h('div');
    const disconnect = h('button', { type: 'button' }, 'Disconnect');
    disconnect.addEventListener('click', () => app.disconnect());
    root.append(
      h(
        'div',
        { class: 'card' },
        kv([
          ['account', h('code', { 'data-testid': 'connected-address' }, w.address)],
          ['signer', h('span', { class: w.kind === 'dev' ? 'badge dev' : 'badge' }, w.label)],
          ['Umbral keys', app.hasUmbral() ? 'ready (from the mnemonic)' : 'locked'],
        ]),
        balances,
        disconnect,
        out,
      ),
    );
    if (!app.hasUmbral()) root.append(umbralUnlock(app));
    return root;
  }

  // Keplr.
  const keplrOut = h('div');
  const keplrCard = h('div', { class: 'card' }, h('h3', {}, 'Keplr'));
  if (window.keplr) {
    const b = h('button', { type: 'button', 'data-testid': 'connect-keplr' }, 'Connect Keplr');
    action(b, keplrOut, async () => {
      await app.connect(await keplrWallet(d));
    });
    keplrCard.append(
      h('p', {}, `Adds ${d.chain_id} to Keplr (experimentalSuggestChain) and asks for its account.`),
      h(
        'p',
        { class: 'hint' },
        'Keplr signs transactions but never reveals its seed. Buying, granting and downloading need your Umbral keys, which come from the same mnemonic: import it below too (it stays encrypted in this browser).',
      ),
      b,
      keplrOut,
    );
  } else {
    keplrCard.append(empty('Keplr is not installed in this browser. Use the built-in signer below.'));
  }
  root.append(keplrCard);

  // Built-in: unlock.
  const file = app.keystore.load();
  const unlockCard = h('div', { class: 'card' }, h('h3', {}, 'Built-in signer'));
  if (file) {
    const pw = h('input', { type: 'password', autocomplete: 'current-password', 'data-testid': 'unlock-password' });
    const b = h('button', { type: 'submit', 'data-testid': 'unlock' }, 'Unlock');
    const out = h('div');
    action(b, out, async () => {
      const mnemonic = await app.keystore.unlock(pw.value);
      await app.connect(await mnemonicWallet(mnemonic, d, 'keystore', 'built-in'), mnemonic);
    });
    const forget = h('button', { type: 'button', class: 'secondary' }, 'Forget this keystore');
    forget.addEventListener('click', () => {
      if (confirm('Delete the encrypted mnemonic from this browser? Without your own copy of it the account is lost.')) {
        app.keystore.forget();
        app.onChange();
      }
    });
    unlockCard.append(
      h('p', {}, 'A keystore for ', h('code', {}, file.address), ' is saved in this browser.'),
      h('form', { class: 'row' }, field('Password', pw), b),
      out,
      forget,
    );
  } else {
    unlockCard.append(empty('No keystore in this browser yet: import a mnemonic.'));
  }
  root.append(unlockCard);

  // Built-in: import.
  const words = h('textarea', { rows: 3, placeholder: '12 or 24 words', 'data-testid': 'import-mnemonic', autocomplete: 'off' });
  const pw1 = h('input', { type: 'password', autocomplete: 'new-password', 'data-testid': 'import-password' });
  const pw2 = h('input', { type: 'password', autocomplete: 'new-password', 'data-testid': 'import-password2' });
  const importOut = h('div');
  const importB = h('button', { type: 'submit', 'data-testid': 'import' }, 'Encrypt, save and connect');
  action(importB, importOut, async () => {
    if (pw1.value !== pw2.value) throw new UserError('The two passwords differ; type the same password twice.');
    const mnemonic = words.value.trim().replace(/\s+/g, ' ');
    const wallet = await mnemonicWallet(mnemonic, d, 'keystore', 'built-in');
    await app.keystore.save(mnemonic, wallet.address, pw1.value);
    words.value = '';
    await app.connect(wallet, mnemonic);
  });
  root.append(
    h(
      'div',
      { class: 'card' },
      h('h3', {}, file ? 'Import another mnemonic (replaces the saved one)' : 'Import a mnemonic'),
      h(
        'p',
        { class: 'hint' },
        "Same account as `wasmd keys` and `twinshare keys` (m/44'/118'/0'/0/0). Encrypted with your password (PBKDF2-SHA256, 600,000 rounds, AES-GCM) before it is stored.",
      ),
      h('form', {}, field('Mnemonic', words), field('Password (8+ characters)', pw1), field('Password again', pw2), importB),
      importOut,
    ),
  );

  // DEV-ONLY accounts.
  if (app.config.devAccounts.length) {
    const sel = h(
      'select',
      { 'data-testid': 'dev-account' },
      ...app.config.devAccounts.map((a) => h('option', { value: a.name }, `${a.name} — ${a.role ?? ''}`)),
    );
    const b = h('button', { type: 'button', 'data-testid': 'use-dev' }, 'Use this DEV-ONLY account');
    const out = h('div');
    action(b, out, async () => {
      const a = app.config.devAccounts.find((x) => x.name === sel.value);
      if (!a) throw new UserError('Pick an account.');
      await app.connect(await mnemonicWallet(a.mnemonic, d, 'dev', `DEV-ONLY account ${a.name}`), a.mnemonic);
    });
    root.append(
      h(
        'div',
        { class: 'card dev' },
        h('h3', {}, h('span', { class: 'badge dev' }, 'DEV-ONLY'), ' Localnet accounts'),
        h('p', {}, 'Their mnemonics are public (localnet/dev-accounts.json). Never use them, or anything derived from them, on a real network.'),
        h('div', { class: 'row' }, sel, b),
        out,
      ),
    );
  }
  return root;
}

function umbralUnlock(app: App): HTMLElement {
  const card = h('div', { class: 'card' }, h('h3', {}, 'Umbral keys'));
  if (!app.keystore.load()) {
    card.append(
      errorBox(
        new UserError(
          'Keplr cannot provide the Umbral keys that buying, granting and downloading need. Disconnect and import this account\'s mnemonic into the built-in keystore, then connect Keplr again and unlock it here.',
        ),
        'umbral-missing',
      ),
    );
    return card;
  }
  const pw = h('input', { type: 'password', 'data-testid': 'umbral-password' });
  const b = h('button', { type: 'submit', 'data-testid': 'umbral-unlock' }, 'Unlock Umbral keys');
  const out = h('div');
  action(b, out, async () => {
    await app.unlockUmbral(pw.value);
  });
  card.append(
    notice('Keplr signs; the Umbral keys come from the built-in keystore of the same mnemonic.', 'warn'),
    h('form', { class: 'row' }, field('Keystore password', pw), b),
    out,
  );
  return card;
}
