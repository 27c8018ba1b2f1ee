// Hash routes (#/market, #/asset/3, #/purchases, #/download/7, #/owner, #/connect) and the
// clean-ups a screen registers (live subscriptions) that run when it is left.
let leaving: (() => void)[] = [];

export function onLeave(f: () => void): void {
  leaving.push(f);
}

export function leave(): void {
  for (const f of leaving) f();
  leaving = [];
}

export type Route =
  | { name: 'connect' | 'market' | 'purchases' | 'owner' }
  | { name: 'asset'; id: number }
  | { name: 'download'; id: number };

export function parseRoute(hash: string): Route {
  const [, name = '', id = ''] = hash.replace(/^#/, '').split('/');
  const n = Number(id);
  if ((name === 'asset' || name === 'download') && Number.isSafeInteger(n) && n > 0) return { name, id: n };
  if (name === 'market' || name === 'purchases' || name === 'owner' || name === 'connect') return { name };
  return { name: 'market' };
}
