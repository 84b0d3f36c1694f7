// Who is calling: the key behind a request, as the services see it.

import type { Scope } from '../store/store.ts';

export interface Principal {
  keyId: string;
  scopes: Scope[];
  account: string;
  rateLimitPerMinute: number | null;
  dailyJobQuota: number | null;
  expiresAt: number | null;
  /** null for the bootstrap admin key, which is given on the command line rather than created. */
  createdAt: number | null;
}
