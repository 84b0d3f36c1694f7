// The SDK's names for the coordinator's wire shapes: each is the Static type of its schema in
// @aitbc/protocol/wire (the schemas the coordinator validates and documents with), so the SDK
// cannot drift from the server. Amounts are decimal strings of AITBC, times RFC 3339; the field
// descriptions are the schemas' (and /openapi.json's).

import type * as Wire from '@aitbc/protocol/wire';

export type JobStatus = Wire.JobStatus;
/** Generation parameters a job may set (max_tokens, temperature, top_p, seed, stop). */
export type JobParams = Wire.JobParams;

/** POST /v1/jobs: what to run, and the most it may cost (`max_price`, escrowed in full at submit). */
export type SubmitJobParameters = Wire.SubmitJobBody;
export type CreatedJob = Wire.CreatedJob;
/** One job of POST /v1/jobs/batch: a submit body and its own idempotency_key (the SDK makes one when absent). */
export type SubmitManyItem = Wire.SubmitJobsItem;
/** One result per job sent, in order: `{ job, replayed }` or `{ error }` (the envelope that job alone got). */
export type SubmittedJobs = Wire.SubmittedJobs;
/** A job as its client sees it: status, price, verification, acceptance window and dispute. */
export type Job = Wire.ClientJobView;
/** A dispute of a completed job: open until its re-execution is judged; upheld refunds the price. */
export type Dispute = Wire.Dispute;
/** A completed job's output, usage, price and co-signed receipt. */
export type JobResult = Wire.JobResult;
export type JobPage = Wire.JobList;

export type Account = Wire.AccountView;
/** GET /v1/account/spend: completed jobs and their prices per UTC day. */
export type SpendSeries = Wire.SpendSeriesView;
/** GET /v1/account/key: the calling key, its limits and what it used of its quota today. */
export type OwnKey = Wire.OwnKeyView;
/** POST /v1/withdrawals: the ait1… address and the amount of AITBC. */
export type WithdrawParameters = Wire.WithdrawBody;
export type Withdrawal = Wire.WithdrawalView;

/** POST /v1/miners/register: models, per-token prices, capabilities and weight digests. */
export type MinerRegistration = Wire.RegisterMinerBody;
/** A miner's public view and track record; `bond` only from GET /v1/miners/{id} with a chain connected. */
export type Miner = Wire.MinerDetailView;
/** A miner's public track record and the score made from it. */
export type MinerReputation = Wire.MinerReputation;
export type MinerPage = Wire.MinerList;
/** A job a miner claimed by polling, with the receipt template it completes and signs. */
export type ClaimedJob = Wire.ClaimedJob;
/** What a miner sends when it completes a job (POST /v1/jobs/{id}/complete). */
export type JobCompletion = Wire.CompleteBody;
/** The jobs a batch poll claimed, oldest first (possibly none). */
export type ClaimedJobs = Wire.ClaimedJobs;
/** One completion of POST /v1/jobs/complete/batch: a JobCompletion with its job_id, without miner_id. */
export type BatchCompletion = Wire.CompleteBatchItem;
/** One result per completion sent, in order: the completed job, or `{ job_id, error }`. */
export type CompletedJobs = Wire.CompletedJobs;
export type Heartbeat = Wire.HeartbeatView;
export type Earnings = Wire.EarningsView;
/** GET /v1/miners/{id}/earnings/series: per UTC day and model, the totals, and the settlements that paid it. */
export type EarningsSeries = Wire.EarningsSeriesView;
/** GET /v1/market: models with miners online, prices and queued jobs; queue depth and jobs per minute. */
export type Market = Wire.MarketView;

export type ReceiptMinerKey = Wire.ReceiptMinerKeyView;
/** A receipt as GET /v1/receipts lists it: its job's model and units, where its money stands, its settlement. */
export type ReceiptListItem = Wire.ReceiptListItem;
export type ReceiptPage = Wire.ReceiptList;
/** Deposits to the clearing address whose memo named no account. */
export type DepositList = Wire.DepositList;
export type ReceiptClaim = Wire.ReceiptClaimView;
export type ReceiptVerdict = Wire.VerifyView;

export type CoordinatorInfo = Wire.CoordinatorInfo;
/** GET /v1/models: the models on the market, with prices per token over the online miners. */
export type ModelList = Wire.ModelList;
/** A new API key: `key` is shown once. */
export type CreatedKey = Wire.CreatedKey;
