// What bond and unbond share: {amount, miner_key}. A miner key must be spelled canonically, since
// the chain compares keys as text (one key, one bond address; references by distinct keys): two
// spellings of one key would otherwise count as two keys.

import { amountProblem, base64urlEncode, parseAmount, parsePublicKey } from '@aitbc/protocol';
import type { ShapeProblem } from './types.ts';

/** The problem with a miner key, or null when it is a canonical base64url Ed25519 public key. */
export function minerKeyProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a base64url Ed25519 public key';
  try {
    if (base64urlEncode(parsePublicKey(value)) !== value) return 'must be the canonical base64url of the key';
  } catch (error) {
    return (error as Error).message;
  }
  return null;
}

export function bondFieldsProblem(body: Record<string, unknown>): ShapeProblem | null {
  const problem = amountProblem(body.amount);
  if (problem) return { field: 'body.amount', problem };
  if (parseAmount(body.amount as string) === 0n) return { field: 'body.amount', problem: 'must be more than 0' };
  const keyProblem = minerKeyProblem(body.miner_key);
  return keyProblem ? { field: 'body.miner_key', problem: keyProblem } : null;
}
