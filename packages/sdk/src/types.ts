// Wire shapes of the coordinator API (docs/API.md); amounts are decimal strings of AITBC, times RFC 3339.

import type { Capability, JobKind, JobParams, ModelCapabilities, Receipt, ReceiptTemplate, ToolCall } from '@aitbc/protocol';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'expired';

export type { JobParams };

export interface SubmitJobParameters {
  model: string;
  prompt: string;
  params?: JobParams;
  /** Most the job may cost, escrowed in full at submit, e.g. "2.5". */
  max_price: string;
  ttl_seconds?: number;
  /** Pin the job to one miner. */
  miner_id?: string;
  /** How long after completion you may dispute the job: 0 up to the coordinator's window (the default). */
  acceptance_window_seconds?: number;
}

export interface CreatedJob {
  job_id: string;
  status: JobStatus;
  model: string;
  max_price: string;
  created_at: string;
  deadline: string;
}

export interface Job {
  job_id: string;
  status: JobStatus;
  model: string;
  /** text (the native API, /v1/completions), chat (/v1/chat/completions, /v1/responses) or embedding. */
  kind: JobKind;
  max_price: string;
  price: string | null;
  miner_id: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  deadline: string;
  error: string | null;
  receipt_id: string | null;
  /** End of the acceptance window (null before completion): the job may be disputed until then. */
  accept_until: string | null;
  dispute: Dispute | null;
}

/** A dispute of a completed job: open until its re-execution is judged; upheld refunds the price. */
export interface Dispute {
  status: 'open' | 'upheld' | 'rejected' | 'inconclusive';
  reason: string;
  /** The re-execution check that decides it. */
  check_id: number;
  detail: string | null;
  opened_at: string;
  decided_at: string | null;
}

export interface JobResult {
  job_id: string;
  status: 'completed';
  output: string;
  /** A chat job that called tools. */
  tool_calls?: ToolCall[];
  /** An embedding job: one vector per input. */
  embeddings?: number[][];
  usage: { prompt_tokens: number; completion_tokens: number };
  price: string;
  receipt: Receipt;
}

export interface JobPage {
  items: Job[];
  next_cursor: string | null;
}

export interface Account {
  account: string;
  available: string;
  escrowed: string;
  /** Asked to withdraw; leaves the account once the transfer is final on chain. */
  withdrawing: string;
  /** The prices of its completed jobs still inside their acceptance window and not disputed. */
  disputable: string;
}

export interface WithdrawParameters {
  /** ait1… address the AITBC go to. */
  to: string;
  /** Decimal string of AITBC. */
  amount: string;
}

export interface Withdrawal {
  withdrawal_id: number;
  account: string;
  to: string;
  amount: string;
  status: string;
  /** What is left available after the withdrawal was set aside. */
  available: string;
  created_at: string;
}

export interface MinerRegistration {
  miner_id: string;
  public_key: string;
  payout_address?: string;
  models: string[];
  prices: Record<string, string>;
  max_concurrency?: number;
  gpu?: { name: string; memory_gb?: number };
  /** Model → "sha256:…" of the weights served; a miner that sends any signs version-2 receipts. */
  digests?: Record<string, string>;
  /** Model → what it can do (tools, JSON output, embeddings…); a model without an entry is taken as ['completion', 'chat']. */
  capabilities?: Record<string, ModelCapabilities>;
}

export interface Miner {
  miner_id: string;
  public_key: string;
  payout_address: string;
  models: string[];
  prices: Record<string, string>;
  max_concurrency: number;
  gpu: { name: string; memory_gb?: number } | null;
  /** The digests advertised at registration ({} for a miner that advertised none). */
  digests: Record<string, string>;
  /** Per model: what its backend supports, as advertised at registration. */
  capabilities: Record<string, { capabilities: Capability[]; context_length: number | null }>;
  status: 'online' | 'offline';
  last_seen_at: string;
  registered_at: string;
  reputation: MinerReputation;
}

/** A miner's public track record and the score made from it. */
export interface MinerReputation {
  /** 0…1: the Wilson lower bound (95 %) over weighted good and bad outcomes; 0 for a new miner. */
  score: number;
  /** Paused from new work after a failed check (reserved: no policy sets it yet). */
  paused: boolean;
  /** Checks passed: canaries answered right plus re-executions that agreed. */
  verified_jobs: number;
  jobs_completed: number;
  jobs_failed: number;
  lease_lapses: number;
  canaries_passed: number;
  canaries_failed: number;
  reexecutions_agreed: number;
  reexecutions_disagreed: number;
  /** Seconds online, from heartbeats no further apart than the coordinator's miner timeout. */
  uptime_s: number;
  first_seen_at: string;
}

export interface MinerPage {
  items: Miner[];
  next_cursor: string | null;
}

export interface ClaimedJob {
  job_id: string;
  model: string;
  /** What to run (absent from coordinators before job types: 'text'). */
  kind?: JobKind;
  /** The canonical request text: a text job's prompt, else JCS JSON of its input (decodeJobInput reads it). */
  prompt: string;
  params: JobParams;
  max_price: string;
  unit_price: string;
  deadline: string;
  claimed_at: string;
  lease_expires_at: string;
  attempt: number;
  client: string;
  receipt_template: ReceiptTemplate;
  /** A client is waiting for the output as it is produced: stream it over WS /v1/jobs/{id}/stream. */
  stream: boolean;
}

/** What a miner sends when it completes a job (POST /v1/jobs/{id}/complete). */
export interface JobCompletion {
  miner_id: string;
  /** The generated text ('' for embeddings). */
  output: string;
  /** The tools a chat turn called, in OpenAI's shape. */
  tool_calls?: ToolCall[];
  /** An embedding job's vectors, one per input. */
  embeddings?: number[][];
  usage: { prompt_tokens: number; completion_tokens: number };
  receipt: Receipt;
}

export interface ReceiptMinerKey {
  receipt_id: string;
  miner_id: string;
  /** base64url key the miner signed the receipt with, as the coordinator checked it. */
  public_key: string;
}

export interface Heartbeat {
  miner_id: string;
  status: 'online';
  /** Jobs the coordinator believes this miner holds: drop any other, hand back any listed you do not run. */
  running_jobs: string[];
  /** Jobs this heartbeat took back because its `jobs` did not list them. */
  lapsed_jobs: string[];
  lease_expires_at: string | null;
}

export interface Earnings {
  miner_id: string;
  /** Earned by jobs still inside their acceptance window (or disputed): not claimable yet. */
  held: string;
  earned: string;
  claimed: string;
  unclaimed_receipts: number;
  /** Paid on chain to the payout address. */
  settled: string;
}

export interface ReceiptClaim {
  receipt_id: string;
  miner_id: string;
  amount: string;
  claimed_at: string;
  settlement: 'pending' | 'settled';
}

export interface ReceiptVerdict {
  valid: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

export interface CoordinatorInfo {
  public_key: string;
  chain_id: string;
  version: string;
  /** With a chain: where deposits go (a transfer whose memo is the account name). */
  clearing_address?: string;
}

export interface ModelList {
  object: 'list';
  /** Prices are per token over the online miners offering the model; null when none is online. */
  data: {
    id: string;
    object: 'model';
    owned_by: string;
    miners_online: number;
    min_price: string | null;
    median_price: string | null;
    /** What at least one online miner serving it supports. */
    capabilities: Capability[];
    context_length: number | null;
  }[];
}

export interface CreatedKey {
  key_id: string;
  key: string;
  scopes: string[];
  account: string;
  expires_at: string | null;
  created_at: string;
}
