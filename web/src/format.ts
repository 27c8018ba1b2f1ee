// Display helpers: amounts with their denom, sizes, times, openness.
import type { CheckedDenom, CheckedOpenness, CheckedPrice } from './contracts/DataToken.types';

export function denomName(d: CheckedDenom, cw20Symbol = 'TWIN'): string {
  return 'cw20' in d ? cw20Symbol : d.native;
}

export function price(p: CheckedPrice): string {
  return `${BigInt(p.amount).toLocaleString('en')} ${denomName(p.denom)}${'cw20' in p.denom ? ' (µ, cw20)' : ''}`;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** cosmwasm `Timestamp` (nanoseconds as a string) -> local date and time. */
export function time(ns: string | null | undefined): string {
  if (!ns) return '—';
  return new Date(Number(BigInt(ns) / 1_000_000n)).toLocaleString();
}

export function nsToMs(ns: string): number {
  return Number(BigInt(ns) / 1_000_000n);
}

export function openness(o: CheckedOpenness): string {
  if (o === 'public') return 'public';
  if (o === 'private') return 'private';
  return `partial (${o.partial.allowlist.length} allowed)`;
}

export function short(addr: string): string {
  return addr.length > 20 ? `${addr.slice(0, 10)}…${addr.slice(-6)}` : addr;
}
