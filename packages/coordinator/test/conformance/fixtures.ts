// Builders for the values a conformance case hands the store: a plain client job, a miner, a
// claim and a completion, each overridable; one fixed clock so every engine sees the same times.

import type { Receipt } from '@aitbc/protocol';
import type { ClaimRequest, Completion, CoordinatorStore, JobRecord, MinerRegistration, NewCanary, NewJob } from '../../src/store/store.ts';

export const M = 1_000_000n;
export const NOW = 1_700_000_000_000;
export const HOUR = 3_600_000;
export const LEASE_MS = 60_000;
/** The model digest of the canary pool's entries. */
export const DIGEST = `sha256:${'a'.repeat(64)}`;

export function newJob(jobId: string, overrides: Partial<NewJob> = {}): NewJob {
  return {
    jobId,
    account: 'alice',
    model: 'demo',
    kind: 'text',
    prompt: `prompt of ${jobId}`,
    requires: 1,
    params: {},
    maxPriceMicro: M,
    minUnits: 1,
    pinnedMinerId: null,
    createdAt: NOW,
    deadline: NOW + HOUR,
    ...overrides,
  };
}

export function miner(minerId: string, overrides: Partial<MinerRegistration> = {}): MinerRegistration {
  return {
    minerId,
    ownerKeyId: `key-${minerId}`,
    publicKey: `pk-${minerId}`,
    payoutAddress: `addr-${minerId}`,
    maxConcurrency: 100,
    gpu: null,
    prices: new Map([['demo', 1n]]),
    ...overrides,
  };
}

/** A pool entry for the demo model made from `sourceJobId`. */
export const canary = (sourceJobId: string, overrides: Partial<NewCanary> = {}): NewCanary => ({
  model: 'demo',
  modelDigest: DIGEST,
  backend: 'demo',
  kind: 'text',
  prompt: 'p',
  params: {},
  output: 'o',
  completionTokens: 1,
  source: 'trusted',
  sourceJobId,
  receiptClient: 'alice',
  evidenceJobIds: [sourceJobId],
  createdAt: NOW,
  ...overrides,
});

let nonces = 0;

/** A claim with a fresh nonce, as the service makes one per claim. */
export function claimRequest(minerId: string, overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return { minerId, now: NOW, leaseMs: LEASE_MS, nonce: `nonce-${++nonces}`, probationJobs: 0, trusted: false, ...overrides };
}

/** The store keeps a receipt's body as given; it reads only its id (and, when present, model_digest and backend). */
export const receipt = (receiptId: string, extra: Record<string, unknown> = {}) => ({ receipt_id: receiptId, ...extra }) as unknown as Receipt;

/** The completion of a claimed job at `priceMicro`, its receipt named after the job. */
export function completion(job: JobRecord, priceMicro: bigint, overrides: Partial<Completion> = {}): Completion {
  return {
    jobId: job.jobId,
    minerId: job.minerId!,
    claimNonce: job.claimNonce!,
    output: `output of ${job.jobId}`,
    outputData: null,
    promptTokens: 1,
    completionTokens: 1,
    priceMicro,
    receipt: receipt(`rcpt-${job.jobId}`),
    minerPublicKey: `pk-${job.minerId}`,
    now: NOW,
    ...overrides,
  };
}

/** The helpers below run one step of a job story and throw when it does not succeed. */
export async function funded(store: CoordinatorStore, account: string, amountMicro: bigint): Promise<void> {
  const credited = await store.credit(account, amountMicro, NOW);
  if (!credited.ok) throw new Error(`credit of ${amountMicro} to ${account} refused`);
}

export async function registered(store: CoordinatorStore, registration: MinerRegistration, now = NOW) {
  const outcome = await store.registerMiner(registration, now);
  if (outcome.kind !== 'registered') throw new Error(`miner ${registration.minerId}: ${outcome.kind}`);
  return outcome.miner;
}

export async function submitted(store: CoordinatorStore, job: NewJob): Promise<JobRecord> {
  const outcome = await store.submitJob(job, null, null);
  if (outcome.kind !== 'created') throw new Error(`job ${job.jobId}: ${outcome.kind}`);
  return outcome.job;
}

export async function claimed(store: CoordinatorStore, jobId: string, minerId: string, overrides: Partial<ClaimRequest> = {}): Promise<JobRecord> {
  const outcome = await store.claimJob(jobId, claimRequest(minerId, overrides));
  if (outcome.kind !== 'claimed') throw new Error(`claim of ${jobId} by ${minerId}: ${outcome.kind}`);
  return outcome.job;
}

/** Submits, claims and completes a job at `priceMicro`: returns the completed job. */
export async function ranJob(store: CoordinatorStore, job: NewJob, minerId: string, priceMicro: bigint, now = NOW): Promise<JobRecord> {
  await submitted(store, job);
  const held = await claimed(store, job.jobId, minerId, { now });
  const done = await store.completeJob(completion(held, priceMicro, { now }));
  if (done.kind !== 'done') throw new Error(`completion of ${job.jobId} refused`);
  return done.job;
}
