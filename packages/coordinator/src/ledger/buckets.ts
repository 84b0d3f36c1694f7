// The ledger's buckets: where money sits, by owner. Every balance column an engine keeps is one
// bucket; `external` is the world outside the books (admin credits and deposits come from it,
// settlements and withdrawals go to it) and has no balance of its own.

/** Buckets of a client account. */
export type AccountBucketKind = 'available' | 'escrowed' | 'withdrawing';
/** Buckets of a miner. */
export type MinerBucketKind = 'held' | 'earned' | 'claimed';

const ACCOUNT_KINDS: ReadonlySet<string> = new Set<AccountBucketKind>(['available', 'escrowed', 'withdrawing']);
const MINER_KINDS: ReadonlySet<string> = new Set<MinerBucketKind>(['held', 'earned', 'claimed']);

export const bucket = {
  available: (account: string) => `available:${account}`,
  escrowed: (account: string) => `escrowed:${account}`,
  /** Asked to withdraw, transfer not final yet. */
  withdrawing: (account: string) => `withdrawing:${account}`,
  /** Earned by a completed job still inside its acceptance window (its client may dispute it). */
  held: (minerId: string) => `held:${minerId}`,
  /** Released from the window: the miner may claim it, and it settles on chain. */
  earned: (minerId: string) => `earned:${minerId}`,
  claimed: (minerId: string) => `claimed:${minerId}`,
  external: 'external',
};

/** The balance a bucket names: an account's or a miner's column; null for `external`. */
export type BucketOwner =
  | { owner: 'account'; kind: AccountBucketKind; id: string }
  | { owner: 'miner'; kind: MinerBucketKind; id: string };

export function parseBucket(name: string): BucketOwner | null {
  if (name === bucket.external) return null;
  const colon = name.indexOf(':');
  const kind = name.slice(0, colon);
  const id = name.slice(colon + 1);
  if (colon > 0 && ACCOUNT_KINDS.has(kind)) return { owner: 'account', kind: kind as AccountBucketKind, id };
  if (colon > 0 && MINER_KINDS.has(kind)) return { owner: 'miner', kind: kind as MinerBucketKind, id };
  throw new Error(`unknown ledger bucket ${name}`);
}
