// Registered miners in SQLite: identity, models with prices, digests and capabilities, liveness
// (heartbeats extend the leases of the jobs a miner says it runs), and the market's offers.

import type { Statement } from 'better-sqlite3';
import type { HeldJobs, MinerListPosition, MinerPage, MinerRecord, MinerRegistration, ModelOffer } from '../store.ts';
import { DEFAULT_CAPABILITY_BITS, toMiner, toOffers } from '../rows/miner-rows.ts';
import type { SqliteMinerRecord } from './miner-record.ts';
import { num, type Row } from './rows.ts';

export class SqliteMinerTables {
  constructor(
    private readonly sql: (text: string) => Statement,
    private readonly write: <T>(fn: () => T) => Promise<T>,
    private readonly read: <T>(fn: () => T) => T,
    private readonly records: SqliteMinerRecord,
  ) {}

  row(minerId: string): MinerRecord | null {
    const row = this.sql('SELECT * FROM miners WHERE miner_id = ?').get(minerId) as Row | undefined;
    if (!row) return null;
    const models = this.sql('SELECT model, unit_price_micro, model_digest, capabilities, context_length FROM miner_models WHERE miner_id = ? ORDER BY model').all(minerId) as Row[];
    return toMiner(row, models, this.records.read(minerId)!);
  }

  register(miner: MinerRegistration, now: number) {
    return this.write(() => {
      const existing = this.sql('SELECT owner_key_id FROM miners WHERE miner_id = ?').get(miner.minerId) as Row | undefined;
      if (existing && existing.owner_key_id !== miner.ownerKeyId) return { kind: 'owned_by_other' as const };
      const gpu = miner.gpu === null ? null : JSON.stringify(miner.gpu);
      if (existing) {
        this
          .sql('UPDATE miners SET public_key = ?, payout_address = ?, max_concurrency = ?, gpu = ?, updated_at = ?, last_seen_at = ? WHERE miner_id = ?')
          .run(miner.publicKey, miner.payoutAddress, miner.maxConcurrency, gpu, now, now, miner.minerId);
        this.sql('DELETE FROM miner_models WHERE miner_id = ?').run(miner.minerId);
      } else {
        this
          .sql(
            `INSERT INTO miners (miner_id, owner_key_id, public_key, payout_address, max_concurrency, gpu, registered_at, updated_at, last_seen_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(miner.minerId, miner.ownerKeyId, miner.publicKey, miner.payoutAddress, miner.maxConcurrency, gpu, now, now, now);
      }
      const insertPrice = this.sql('INSERT INTO miner_models (miner_id, model, unit_price_micro, model_digest, capabilities, context_length) VALUES (?, ?, ?, ?, ?, ?)');
      for (const [model, price] of miner.prices) {
        const offering = miner.capabilities?.get(model) ?? { bits: DEFAULT_CAPABILITY_BITS, contextLength: null };
        insertPrice.run(miner.minerId, model, price, miner.digests?.get(model) ?? null, offering.bits, offering.contextLength);
      }
      this.records.registered(miner.minerId, now);
      return { kind: 'registered' as const, created: !existing, miner: this.row(miner.minerId)! };
    });
  }

  heartbeat(minerId: string, now: number, leaseMs: number, held: HeldJobs | null, uptimeGapMs: number): Promise<{ runningJobIds: string[]; unlisted: string[] }> {
    return this.write(() => {
      this.sql('UPDATE miners SET last_seen_at = ? WHERE miner_id = ?').run(now, minerId);
      this.records.alive(minerId, now, uptimeGapMs);
      if (held === null) {
        const ids = this
          .sql("UPDATE jobs SET lease_expires_at = ? WHERE miner_id = ? AND status = 'running' RETURNING job_id")
          .pluck()
          .all(now + leaseMs, minerId) as string[];
        return { runningJobIds: ids.sort(), unlisted: [] };
      }
      const listed = new Set(held.jobIds);
      const extend = this.sql('UPDATE jobs SET lease_expires_at = ? WHERE job_id = ?');
      const runningJobIds: string[] = [];
      const unlisted: string[] = [];
      for (const row of this.sql("SELECT job_id, claimed_at FROM jobs WHERE miner_id = ? AND status = 'running'").all(minerId) as Row[]) {
        const jobId = row.job_id as string;
        if (listed.has(jobId)) {
          extend.run(now + leaseMs, jobId);
          runningJobIds.push(jobId);
        } else if (num(row.claimed_at) < held.claimedBefore) unlisted.push(jobId);
        else runningJobIds.push(jobId); // claimed as the heartbeat left the miner: its lease from the claim stands
      }
      return { runningJobIds: runningJobIds.sort(), unlisted: unlisted.sort() };
    });
  }

  countRunning(minerId: string): number {
    return num(this.sql("SELECT count(*) FROM jobs WHERE miner_id = ? AND status = 'running'").pluck().get(minerId));
  }

  list(query: { model: string | null; onlineSince: number; limit: number; after: MinerListPosition | null }): MinerPage {
    // One read transaction: the page's order and its rows agree.
    return this.read(() => {
      const { minerIds, next } = this.records.list(query);
      return { items: minerIds.map((minerId) => this.row(minerId)!), next };
    });
  }

  offers(onlineSince: number): ModelOffer[] {
    const rows = this
      .sql(
        `SELECT mm.model, mm.unit_price_micro, mm.capabilities, mm.context_length FROM miner_models mm JOIN miners m ON m.miner_id = mm.miner_id
         WHERE m.last_seen_at >= ? ORDER BY mm.model, mm.unit_price_micro`,
      )
      .all(onlineSince) as Row[];
    return toOffers(rows);
  }

  countOnline(onlineSince: number): number {
    return num(this.sql('SELECT count(*) FROM miners WHERE last_seen_at >= ?').pluck().get(onlineSince));
  }
}
