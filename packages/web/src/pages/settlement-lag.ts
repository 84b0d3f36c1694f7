// How far settlement lags: since when the oldest receipt not yet paid on chain has waited
// (the coordinator's oldest_unsettled_at), and the outbox entries still on their way (not final,
// nor given up as failed or duplicate).
import type { ChainAdminView } from '@aitbc/protocol/wire';

const DONE = new Set(['final', 'failed', 'duplicate']);

export function settlementLag(chain: Pick<ChainAdminView, 'outbox' | 'oldest_unsettled_at'>, now = Date.now()): { inFlight: number; lagMs: number | null } {
  const inFlight = chain.outbox.filter((entry) => !DONE.has(entry.state)).length;
  return { inFlight, lagMs: chain.oldest_unsettled_at === null ? null : Math.max(0, now - Date.parse(chain.oldest_unsettled_at)) };
}
