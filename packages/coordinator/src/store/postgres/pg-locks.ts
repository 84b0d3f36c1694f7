// Transaction-scoped advisory locks, for the steps no row lock can serialise: the checks of a row
// that does not exist yet, or of a total over many rows. Taken before any row lock (lock order).

import type { Queryable } from './pg-db.ts';

/** Lock classes (the first key of the two-key form); constants, the same in every process. */
const INCOMING = 0x41_49_01;
const SLASH = 0x41_49_02;

/**
 * Serialises everything that brings µAIT into the books (admin credits, matched deposits): each
 * checks the total inside the books against the bound (movements.admitsIncoming) and then adds
 * to it, so two of them at once could pass the bound together.
 */
export async function lockIncoming(q: Queryable): Promise<void> {
  await q.value('SELECT pg_advisory_xact_lock(?::int, 0)', [INCOMING]);
}

/** Serialises the queueing of slashes of one receipt (a receipt is slashed once, ever). */
export async function lockSlashOf(q: Queryable, receiptId: string): Promise<void> {
  await q.value('SELECT pg_advisory_xact_lock(?::int, hashtext(?::text))', [SLASH, receiptId]);
}
