// What a client's dispute comes to: the verdict of the re-execution check that judged the job
// (src/verification/majority.ts) decides it. Pure, so the engine applies it inside the verdict's
// own transaction and no verdict can leave a dispute open.

import type { CheckVerdict } from '../store/store.ts';

export type DisputeState = 'open' | 'upheld' | 'rejected' | 'inconclusive';
export type DisputeResolution = Exclude<DisputeState, 'open'>;

/**
 * `disagree` (the judgement failed the disputed run): upheld, the client gets the price back.
 * `agree` (the run stood, whoever else failed): rejected, the miner is paid. No verdict either
 * way (inconclusive, abandoned): the miner is paid, as with no dispute.
 */
export function disputeResolution(verdict: CheckVerdict): DisputeResolution {
  if (verdict === 'disagree') return 'upheld';
  return verdict === 'agree' ? 'rejected' : 'inconclusive';
}

/** Longest dispute reason, in characters: the wire's DisputeBody bound. */
export { MAX_DISPUTE_REASON_CHARS } from '@aitbc/protocol/wire';
