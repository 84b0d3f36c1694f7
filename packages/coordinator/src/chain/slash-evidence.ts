// The evidence a slash carries, picked from the coordinator's own receipts (the chain re-checks
// all of it: packages/chain/src/txs/slash-evidence.ts): the failed run's receipt and up to three
// references by other miner keys, byte-equal among themselves and not to it, all version 2 runs
// of the same inputs. Runs that agreed only by the prefix rule of real backends are no evidence.

import { MIN_REFERENCES, RUN_FIELDS } from '@aitbc/chain';
import type { SlashEvidence, StoredReceipt } from '../store/store.ts';

/** References a slash carries at most: the three agreeing runs the majority rule needs. */
const MAX_REFERENCES = 3;

/** The evidence against `failed` among `runs`, or null when there is no byte-exact case. */
export function slashEvidence(failed: StoredReceipt, runs: StoredReceipt[]): SlashEvidence | null {
  const receipt = failed.receipt;
  if (receipt.version !== 2 || failed.minerKey === null) return null;
  const groups = new Map<string, StoredReceipt[]>();
  for (const run of runs) {
    const other = run.receipt;
    if (other.version !== 2 || run.minerKey === null || run.minerKey === failed.minerKey || other.output_hash === receipt.output_hash) continue;
    if (RUN_FIELDS.some((field) => other[field] !== receipt[field])) continue;
    const group = groups.get(other.output_hash) ?? [];
    // One reference per key and per miner id (reference_keys maps miner ids to keys).
    if (group.some((kept) => kept.minerKey === run.minerKey || kept.minerId === run.minerId)) continue;
    groups.set(other.output_hash, [...group, run]);
  }
  const largest = [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  if (largest.length < MIN_REFERENCES) return null;
  const references = largest.slice(0, MAX_REFERENCES);
  return {
    receipt,
    references: references.map((run) => run.receipt),
    reference_keys: Object.fromEntries(references.map((run) => [run.minerId, run.minerKey!])),
  };
}
