// My purchases: each sale's status timeline (paid, re-key submitted, delivered, then confirmed,
// refunded or disputed), kept live by re-reading the escrow on every block (see live.ts), and the
// actions its state allows: download and confirm or dispute once delivered, refund after a missed
// deadline.
import type { App } from '../app';
import { Chain, PAGE } from '../chain';
import type { Sale } from '../contracts/Escrow.types';
import { action, empty, errorBox, h, notice } from '../dom';
import { UserError } from '../errors';
import * as fmt from '../format';
import { everyBlock } from '../live';
import { onLeave } from '../router';

const STEPS: { key: string; label: string }[] = [
  { key: 'paid', label: 'paid' },
  { key: 're_key_submitted', label: 're-key submitted' },
  { key: 'delivered', label: 'delivered' },
];

/** Where each status sits on the timeline. */
const REACHED: Record<Sale['status'], number> = {
  paid: 0,
  re_key_submitted: 1,
  delivered: 2,
  disputed: 3,
  confirmed: 3,
  refunded: 3,
};

export function timeline(s: Sale): HTMLElement {
  const at = REACHED[s.status];
  const end = at === 3 ? s.status : 'confirmed';
  const steps = [...STEPS, { key: end, label: end }];
  return h(
    'ol',
    { class: 'timeline', 'data-testid': `timeline-${s.id}` },
    ...steps.map((st, i) =>
      h(
        'li',
        { class: i < at ? 'done' : i === at ? `current ${s.status}` : 'todo', 'data-step': st.key },
        st.label,
        i === 0 ? h('small', {}, fmt.time(s.created_at)) : null,
      ),
    ),
  );
}

/** Whether the buyer may take the payment back now (the contract is the authority). */
export function refundable(s: Sale, nowMs = Date.now()): boolean {
  if (s.status === 'paid') return nowMs >= fmt.nsToMs(s.rekey_deadline);
  if (s.status === 're_key_submitted' && s.delivery_deadline) return nowMs >= fmt.nsToMs(s.delivery_deadline);
  return false;
}

function saleCard(app: App, s: Sale, flash: HTMLElement): HTMLElement {
  // Outcomes go above the list: the card itself is replaced when the sale changes on chain.
  const out = flash;
  const actions = h('div', { class: 'row actions' });
  const escrow = () => app.need().signing.escrow;
  if (s.status === 'delivered') {
    actions.append(h('a', { class: 'button', href: `#/download/${s.id}`, 'data-testid': `download-${s.id}` }, 'Download and verify'));
    const confirm = h('button', { type: 'button', 'data-testid': `confirm-${s.id}` }, 'Confirm (pays the seller)');
    action(confirm, out, async () => {
      const r = await escrow().confirm({ saleId: s.id });
      return `Sale ${s.id} confirmed: the seller is paid, less the relayer's fee (tx ${r.transactionHash}).`;
    });
    const reason = h('input', { placeholder: 'what is wrong', 'data-testid': `dispute-reason-${s.id}` });
    const dispute = h('button', { type: 'button', class: 'secondary', 'data-testid': `dispute-${s.id}` }, 'Dispute');
    action(dispute, out, async () => {
      if (!reason.value.trim()) throw new UserError('Say what is wrong with the delivery; the arbiter reads it.');
      if (s.dispute_deadline && Date.now() >= fmt.nsToMs(s.dispute_deadline)) {
        throw new UserError('The dispute window has closed; the seller may now claim the payment.');
      }
      const r = await escrow().dispute({ saleId: s.id, reason: reason.value.trim() });
      return `Sale ${s.id} disputed; the arbiter settles it (tx ${r.transactionHash}).`;
    });
    actions.append(confirm, reason, dispute);
  }
  if (s.status === 'paid' || s.status === 're_key_submitted') {
    const deadline = s.status === 'paid' ? s.rekey_deadline : s.delivery_deadline;
    if (refundable(s)) {
      const refund = h('button', { type: 'button', 'data-testid': `refund-${s.id}` }, 'Refund (deadline passed)');
      action(refund, out, async () => {
        const r = await escrow().refund({ saleId: s.id });
        return `Sale ${s.id} refunded to you (tx ${r.transactionHash}).`;
      });
      actions.append(refund);
    } else {
      actions.append(
        h(
          'span',
          { class: 'hint' },
          s.status === 'paid'
            ? `Waiting for the seller's re-key; refund possible after ${fmt.time(deadline)}.`
            : `The relayer has not delivered yet; refund possible after ${fmt.time(deadline)}.`,
        ),
      );
    }
  }
  if (s.status === 'disputed') actions.append(h('span', { class: 'hint' }, `Disputed: ${s.dispute_reason ?? ''}. The arbiter settles it.`));
  return h(
    'div',
    { class: 'card sale', 'data-sale': s.id, 'data-status': s.status },
    h('h3', {}, `Sale #${s.id} — asset #${s.asset_id}`, h('span', { class: `status ${s.status}`, 'data-testid': `status-${s.id}` }, s.status.replace(/_/g, ' '))),
    h('p', { class: 'hint' }, `${fmt.price(s.price)} from ${fmt.short(s.seller)}`),
    timeline(s),
    actions,
  );
}

export function purchasesScreen(app: App): HTMLElement {
  const root = h('section', { class: 'screen', 'data-screen': 'purchases' }, h('h2', {}, 'My purchases'));
  if (!app.wallet) {
    root.append(notice('Connect a wallet to see its purchases.', 'warn'));
    return root;
  }
  const me = app.wallet.address;
  const list = h('div', { class: 'sales' });
  const status = h('p', { class: 'hint live' });
  const flash = h('div', { class: 'flash' });
  root.append(status, flash, list);
  list.replaceChildren(h('p', { class: 'state loading', role: 'status' }, h('span', { class: 'spinner' }), ' Loading your purchases…'));
  const seen = new Map<number, { sig: string; el: HTMLElement }>();
  let first = true;
  const refresh = async (height?: number) => {
    try {
      const sales = (
        await Chain.all((startAfter) => app.chain.escrow.salesByBuyer({ buyer: me, startAfter, limit: PAGE }).then((r) => r.sales), (s) => s.id)
      ).reverse();
      if (sales.length === 0) {
        list.replaceChildren(empty('No purchases yet: buy an asset in the Market.'));
      } else {
        if (first) list.replaceChildren();
        for (const s of sales) {
          const sig = JSON.stringify(s);
          const had = seen.get(s.id);
          if (had?.sig === sig) continue;
          const el = saleCard(app, s, flash);
          if (had) had.el.replaceWith(el);
          else list.append(el);
          seen.set(s.id, { sig, el });
        }
      }
      first = false;
      status.textContent = height ? `live: updated at block ${height}` : 'live: updated';
    } catch (e) {
      if (first) list.replaceChildren(errorBox(e));
      else status.textContent = `live updates paused: ${(e as Error).message}`;
    }
  };
  onLeave(everyBlock(app.config.deployment.rpc, refresh));
  return root;
}
