// How amounts, times and hashes are shown. Amounts stay decimal strings of AITBC (exact); only
// chart heights become floating-point numbers, never anything that is added up or paid.

import { parseAmount } from '@aitbc/protocol/money';

/** "12.5 AITBC" from the wire's decimal string: the unit the CLI and the docs name. */
export function ait(amount: string | null | undefined): string {
  return amount === null || amount === undefined ? '—' : `${amount} AITBC`;
}

/** A chart height: AITBC as a float (display only). */
export function aitForChart(amount: string): number {
  return Number(parseAmount(amount)) / 1e6;
}

/** The start of a long hash or key, enough to recognise it. */
export function short(text: string, keep = 10): string {
  return text.length <= keep + 2 ? text : `${text.slice(0, keep)}…`;
}

export function when(at: string | number | null | undefined): string {
  if (at === null || at === undefined) return '—';
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? String(at) : date.toLocaleString();
}

/** "3 s ago", "4 min ago"… from epoch ms or an RFC 3339 time. */
export function ago(at: string | number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - new Date(at).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}
