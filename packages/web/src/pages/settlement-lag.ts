// How far settlement lags: the outbox entries not yet final (nor given up), and the oldest one's age.
import type { OutboxView } from '@aitbc/protocol/wire';

const DONE = new Set(['final', 'failed', 'duplicate']);

/** The oldest entry still on its way to a final block: how far settlement lags. */
export function settlementLag(outbox: OutboxView[], now = Date.now()): { open: number; oldestMs: number | null } {
  const open = outbox.filter((entry) => !DONE.has(entry.state));
  const oldest = open.reduce<number | null>((min, entry) => Math.min(min ?? Infinity, Date.parse(entry.created_at)), null);
  return { open: open.length, oldestMs: oldest === null ? null : now - oldest };
}
