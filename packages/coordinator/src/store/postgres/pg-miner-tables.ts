// Registered miners on PostgreSQL: the SQLite engine's rules (src/store/sqlite/miner-tables.ts).
// What differs is locking: a registration holds the miner's row, so two registrations of one
// miner id serialise (the first creates it, the second finds it); a heartbeat locks the miner,
// then its running jobs, then its record, the order the other steps take them in.

import type { HeldJobs, MinerListPosition, MinerPage, MinerRecord, MinerRegistration, ModelOffer } from '../store.ts';
import { DEFAULT_CAPABILITY_BITS, toMiner, toOffers } from '../rows/miner-rows.ts';
import { num } from '../sqlite/rows.ts';
import { toTrackRecord } from '../sqlite/miner-record.ts';
import type { PgDb, Queryable } from './pg-db.ts';
import type { PgMinerRecord } from './pg-miner-record.ts';

export class PgMinerTables {
  constructor(
    private readonly db: PgDb,
    private readonly records: PgMinerRecord,
  ) {}

  /** The miner, its offer and its record in one statement: one round trip, and one consistent read without a transaction. */
  async row(q: Queryable, minerId: string): Promise<MinerRecord | null> {
    const rows = await q.all(
      `SELECT m.*, r.*, mm.model, mm.unit_price_micro, mm.model_digest, mm.capabilities, mm.context_length
       FROM miners m JOIN miner_record r ON r.miner_id = m.miner_id LEFT JOIN miner_models mm ON mm.miner_id = m.miner_id
       WHERE m.miner_id = ? ORDER BY mm.model`,
      [minerId],
    );
    if (rows.length === 0) return null;
    return toMiner(rows[0]!, rows[0]!.model === null ? [] : rows, toTrackRecord(rows[0]!));
  }

  async register(miner: MinerRegistration, now: number) {
    return this.db.tx(async (q) => {
      const gpu = miner.gpu === null ? null : JSON.stringify(miner.gpu);
      // Inserted, or else the existing row locked: either way this transaction holds the miner.
      const created =
        (await q.run(
          `INSERT INTO miners (miner_id, owner_key_id, public_key, payout_address, max_concurrency, gpu, registered_at, updated_at, last_seen_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (miner_id) DO NOTHING`,
          [miner.minerId, miner.ownerKeyId, miner.publicKey, miner.payoutAddress, miner.maxConcurrency, gpu, now, now, now],
        )) > 0;
      if (!created) {
        const owner = await q.value('SELECT owner_key_id FROM miners WHERE miner_id = ? FOR UPDATE', [miner.minerId]);
        if (owner !== miner.ownerKeyId) return { kind: 'owned_by_other' as const };
        await q.run('UPDATE miners SET public_key = ?, payout_address = ?, max_concurrency = ?, gpu = ?, updated_at = ?, last_seen_at = ? WHERE miner_id = ?', [
          miner.publicKey,
          miner.payoutAddress,
          miner.maxConcurrency,
          gpu,
          now,
          now,
          miner.minerId,
        ]);
        await q.run('DELETE FROM miner_models WHERE miner_id = ?', [miner.minerId]);
      }
      for (const [model, price] of miner.prices) {
        const offering = miner.capabilities?.get(model) ?? { bits: DEFAULT_CAPABILITY_BITS, contextLength: null };
        await q.run('INSERT INTO miner_models (miner_id, model, unit_price_micro, model_digest, capabilities, context_length) VALUES (?, ?, ?, ?, ?, ?)', [
          miner.minerId,
          model,
          price,
          miner.digests?.get(model) ?? null,
          offering.bits,
          offering.contextLength,
        ]);
      }
      await this.records.registered(q, miner.minerId, now);
      return { kind: 'registered' as const, created, miner: (await this.row(q, miner.minerId))! };
    });
  }

  async heartbeat(minerId: string, now: number, leaseMs: number, held: HeldJobs | null, uptimeGapMs: number): Promise<{ runningJobIds: string[]; unlisted: string[] }> {
    return this.db.tx(async (q) => {
      await q.run('UPDATE miners SET last_seen_at = ? WHERE miner_id = ?', [now, minerId]);
      const result = await this.extendLeases(q, minerId, now + leaseMs, held);
      await this.records.alive(q, minerId, now, uptimeGapMs);
      return result;
    });
  }

  private async extendLeases(q: Queryable, minerId: string, leaseExpiresAt: number, held: HeldJobs | null): Promise<{ runningJobIds: string[]; unlisted: string[] }> {
    if (held === null) {
      const rows = await q.all("UPDATE jobs SET lease_expires_at = ? WHERE miner_id = ? AND status = 'running' RETURNING job_id", [leaseExpiresAt, minerId]);
      return { runningJobIds: rows.map((row) => row.job_id as string).sort(), unlisted: [] };
    }
    const listed = new Set(held.jobIds);
    const runningJobIds: string[] = [];
    const unlisted: string[] = [];
    // Locked: a completion or failure of one of them waits for this heartbeat, or is seen by it.
    for (const row of await q.all("SELECT job_id, claimed_at FROM jobs WHERE miner_id = ? AND status = 'running' FOR UPDATE", [minerId])) {
      const jobId = row.job_id as string;
      if (listed.has(jobId)) {
        await q.run('UPDATE jobs SET lease_expires_at = ? WHERE job_id = ?', [leaseExpiresAt, jobId]);
        runningJobIds.push(jobId);
      } else if (num(row.claimed_at) < held.claimedBefore) unlisted.push(jobId);
      else runningJobIds.push(jobId); // claimed as the heartbeat left the miner: its lease from the claim stands
    }
    return { runningJobIds: runningJobIds.sort(), unlisted: unlisted.sort() };
  }

  async countRunning(minerId: string): Promise<number> {
    return num(await this.db.q.value("SELECT count(*) FROM jobs WHERE miner_id = ? AND status = 'running'", [minerId]));
  }

  async list(query: { model: string | null; onlineSince: number; limit: number; after: MinerListPosition | null }): Promise<MinerPage> {
    // One snapshot: the page's order and its rows agree.
    return this.db.snapshot(async (q) => {
      const { minerIds, next } = await this.records.list(q, query);
      const items: MinerRecord[] = [];
      for (const minerId of minerIds) items.push((await this.row(q, minerId))!);
      return { items, next };
    });
  }

  async offers(onlineSince: number): Promise<ModelOffer[]> {
    const rows = await this.db.q.all(
      `SELECT mm.model, mm.unit_price_micro, mm.capabilities, mm.context_length FROM miner_models mm JOIN miners m ON m.miner_id = mm.miner_id
       WHERE m.last_seen_at >= ? ORDER BY mm.model, mm.unit_price_micro`,
      [onlineSince],
    );
    return toOffers(rows);
  }

  async countOnline(onlineSince: number): Promise<number> {
    return num(await this.db.q.value('SELECT count(*) FROM miners WHERE last_seen_at >= ?', [onlineSince]));
  }
}
