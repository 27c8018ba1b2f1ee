// A few DOM helpers: element building and the loading / empty / error states every screen shows.
import { describeError } from './errors';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined | null>;

/** `h('button', { class: 'x', onclick: f }, 'Buy')`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
  return el;
}

export function loading(what: string): HTMLElement {
  return h('p', { class: 'state loading', role: 'status' }, h('span', { class: 'spinner' }), ` Loading ${what}…`);
}

export function empty(text: string): HTMLElement {
  return h('p', { class: 'state empty' }, text);
}

export function errorBox(e: unknown, testid = 'error'): HTMLElement {
  return h('p', { class: 'state error', role: 'alert', 'data-testid': testid }, describeError(e));
}

export function notice(text: string, kind: 'ok' | 'warn' = 'ok', testid?: string): HTMLElement {
  return h('p', { class: `state ${kind}`, 'data-testid': testid }, text);
}

/** Replaces `target`'s content: a loading line while `load` runs, then its result or its error. */
export async function section(
  target: HTMLElement,
  what: string,
  load: () => Promise<Node>,
): Promise<void> {
  target.replaceChildren(loading(what));
  try {
    target.replaceChildren(await load());
  } catch (e) {
    target.replaceChildren(errorBox(e));
  }
}

/** Runs a button's action: disabled while it runs, its outcome (or error) in `out`. */
export function action(
  button: HTMLButtonElement,
  out: HTMLElement,
  run: () => Promise<string | Node | void>,
): void {
  button.addEventListener('click', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    out.replaceChildren(h('span', { class: 'state loading', role: 'status' }, h('span', { class: 'spinner' }), ' Working…'));
    try {
      const r = await run();
      out.replaceChildren(r === undefined ? '' : typeof r === 'string' ? notice(r, 'ok', 'outcome') : r);
    } catch (e) {
      out.replaceChildren(errorBox(e));
    } finally {
      button.disabled = false;
    }
  });
}

export function field(label: string, input: HTMLElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

export function kv(rows: [string, Child][]): HTMLElement {
  return h('dl', { class: 'kv' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}
