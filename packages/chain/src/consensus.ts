// Aura-style authority rounds with finality votes (see README, "The chain: consensus").
//
// Time is cut into slots of `block_interval_ms`; the proposer of slot s is authorities[s mod n],
// so a missing proposer is skipped when its slot passes. Blocks are not final when made: every
// authority signs a vote for its head, a vote counts for that block and all its ancestors, and a
// block is final once more than two thirds of the authorities have voted for it or a descendant.
// A node never reverts a final block.

import { base64urlDecode, base64urlEncode, canonicalize, sign, utf8, verify, type KeyPair } from '@aitbc/protocol';
import type { Genesis } from './genesis.ts';

export const VOTE_DOMAIN_TAG = 'AITBC-VOTE-v1\n';

/** A node's own authority: its keys, and its public key as genesis lists it (base64url). */
export interface Authority {
  keys: KeyPair;
  publicKey: string;
}

/** A finality vote: an authority's signature that block `hash` at `height` is on its chain. */
export interface Vote {
  authority: string;
  height: number;
  hash: string;
  signature: string;
}

export const slotOf = (timestamp: number, genesis: Genesis): number => Math.floor(timestamp / genesis.block_interval_ms);

export const proposerForSlot = (slot: number, genesis: Genesis): string => genesis.authorities[slot % genesis.authorities.length]!;

/** How many authorities make "more than two thirds": 1 of 1, 3 of 3, 3 of 4, 5 of 7. */
export const finalityThreshold = (authorities: number): number => Math.floor((2 * authorities) / 3) + 1;

const voteBytes = (chainId: string, height: number, hash: string) => utf8(VOTE_DOMAIN_TAG + canonicalize({ chain_id: chainId, height, hash }));

export function signVote(chainId: string, height: number, hash: string, publicKey: string, secretKey: Uint8Array): Vote {
  return { authority: publicKey, height, hash, signature: base64urlEncode(sign(voteBytes(chainId, height, hash), secretKey)) };
}

/** A well-formed vote by an authority of this genesis with a valid signature. */
export function checkVote(value: unknown, genesis: Genesis): value is Vote {
  const vote = value as Vote;
  if (typeof value !== 'object' || value === null) return false;
  if (typeof vote.authority !== 'string' || !genesis.authorities.includes(vote.authority)) return false;
  if (!Number.isSafeInteger(vote.height) || vote.height < 1 || typeof vote.hash !== 'string' || !/^[0-9a-f]{64}$/.test(vote.hash)) return false;
  if (typeof vote.signature !== 'string') return false;
  try {
    return verify(base64urlDecode(vote.signature), voteBytes(genesis.chain_id, vote.height, vote.hash), base64urlDecode(vote.authority));
  } catch {
    return false;
  }
}
