// The coordinator's storage contract. Services speak only this interface; each engine (SQLite
// now, PostgreSQL later) implements it with its own SQL. Every method is one transaction and
// returns plain values: bigint µAIT for money, epoch-ms numbers for time.

import type { JobKind, JobParams, Receipt, ToolCall } from '@aitbc/protocol';
import type { JobStatus, Scope } from '@aitbc/protocol/wire';
import type { ScoreInputs } from '../reputation/score.ts';
import type { Standing } from '../verification/pause.ts';
import type { DisputeState } from '../verification/dispute.ts';
import type { JobPurpose } from '../verification/sampling.ts';

// Scopes and job statuses are the wire's names (@aitbc/protocol/wire), stored as they are.
export { SCOPES, type Scope } from '@aitbc/protocol/wire';

export interface ApiKeyRecord {
  keyId: string;
  keyHash: string;
  scopes: Scope[];
  account: string;
  rateLimitPerMinute: number | null;
  dailyJobQuota: number | null;
  expiresAt: number | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface GpuInfo {
  name: string;
  memory_gb?: number;
}

export interface MinerRecord {
  minerId: string;
  ownerKeyId: string;
  publicKey: string;
  payoutAddress: string;
  maxConcurrency: number;
  gpu: GpuInfo | null;
  /** Model name → µAIT per unit. */
  prices: Map<string, bigint>;
  /** Model name → the "sha256:…" digest advertised for it; empty for a miner that advertised none. */
  digests: Map<string, string>;
  /** Model name → what the model can do (every offered model has an entry). */
  capabilities: Map<string, ModelOffering>;
  registeredAt: number;
  updatedAt: number;
  lastSeenAt: number;
  track: MinerTrackRecord;
}

export type MinerRegistration = Omit<MinerRecord, 'registeredAt' | 'updatedAt' | 'lastSeenAt' | 'digests' | 'capabilities' | 'track'> & {
  digests?: Map<string, string>;
  /** Models left out offer DEFAULT_CAPABILITIES. */
  capabilities?: Map<string, ModelOffering>;
};

/** What a miner's model can do: capability bits and, when known, its context length in tokens. */
export interface ModelOffering {
  bits: number;
  contextLength: number | null;
}

/** A job's output besides its text. */
export interface JobOutputData {
  tool_calls?: ToolCall[];
  embeddings?: number[][];
}

/**
 * What a miner has done here, kept by the store as it happens: the score's counters
 * (src/reputation/score.ts), and its standing under the pause policy (src/verification/pause.ts).
 */
export interface MinerTrackRecord extends ScoreInputs, Standing {
  firstSeenAt: number;
  /** Time between consecutive liveness marks (registration, heartbeat) no further apart than the miner timeout. */
  uptimeMs: number;
  /** The reputation score in millionths (0…1,000,000). */
  scorePpm: number;
}

export type CheckKind = 'canary' | 'reexecution';

/** One verification of a miner's work: a canary answered, or a client job re-run elsewhere. */
export interface CheckOutcome {
  minerId: string;
  kind: CheckKind;
  passed: boolean;
  now: number;
}

/** Keyset position in the public miner list: online first, then score, then id. */
export interface MinerListPosition {
  online: boolean;
  scorePpm: number;
  minerId: string;
}

export interface MinerPage {
  items: MinerRecord[];
  next: MinerListPosition | null;
}

export { JOB_STATUSES, type JobStatus } from '@aitbc/protocol/wire';

export type { JobParams };

export interface JobRecord {
  jobId: string;
  account: string;
  model: string;
  /** Text completion, chat turn or embedding request (protocol job types). */
  kind: JobKind;
  /** The canonical request text (`jobType(kind).encode`): what the miner is sent and prompt_hash hashes. */
  prompt: string;
  /** Capability bits a miner's model must offer to claim it (protocol `capabilityBits`). */
  requires: number;
  params: JobParams;
  maxPriceMicro: bigint;
  minUnits: number;
  pinnedMinerId: string | null;
  status: JobStatus;
  attempts: number;
  createdAt: number;
  queuedAt: number;
  deadline: number;
  minerId: string | null;
  claimedAt: number | null;
  leaseExpiresAt: number | null;
  claimNonce: string | null;
  unitPriceMicro: bigint | null;
  endedAt: number | null;
  /** The generated text ('' for an embedding job). */
  output: string | null;
  /** What the job produced besides text: tool calls of a chat turn, vectors of an embedding job. */
  outputData: JobOutputData | null;
  promptTokens: number | null;
  completionTokens: number | null;
  priceMicro: bigint | null;
  receiptId: string | null;
  error: string | null;
  // ---- verification (migration 007)
  purpose: JobPurpose;
  /** The client job a re-execution or tie-break reproduces. */
  subjectJobId: string | null;
  /** The pool entry a canary replays. */
  canaryId: number | null;
  /** Claimable only by a miner that advertised exactly this digest for the model. */
  requiredDigest: string | null;
  /** Owner key ids whose miners may not claim it. */
  excludedOwners: string[];
  /** Claimable only by a miner whose score is at least this (millionths). */
  minReputationPpm: number;
  /** The client asked for a re-execution at its cost. */
  verify: boolean;
  /** A client-paid re-execution waiting for its subject to complete (not claimable yet). */
  awaitingSubject: boolean;
  /** The client the miner is told (claim, receipt); `account` is who pays. */
  receiptClient: string;
  /** What ran, from the receipt (null for version 1 or before completion). */
  modelDigest: string | null;
  backend: string | null;
  // ---- the acceptance window and disputes (migration 008)
  /** How long after completion the client may dispute the job (0 for check jobs). */
  acceptanceWindowMs: number;
  /** Completion + window: the miner's earnings are held until then; null before completion. */
  acceptUntil: number | null;
  dispute: DisputeRecord | null;
  /**
   * A client asked to be shown the output as it is made (a streamed OpenAI request), set at
   * submit: only such a job's stream is relayed and its completion checked against what was
   * shown, so the other jobs' claims and completions never ask the processes about watchers.
   */
  live: boolean;
}

export type { DisputeState };

/** A client's dispute of a completed job, decided by the re-execution check `checkId`. */
export interface DisputeRecord {
  state: DisputeState;
  reason: string;
  openedAt: number;
  checkId: number;
  detail: string | null;
  decidedAt: number | null;
}

/** The verification fields a new job may set; the defaults make a plain client job. */
export type JobConstraints = Pick<JobRecord, 'purpose' | 'subjectJobId' | 'canaryId' | 'requiredDigest' | 'excludedOwners' | 'minReputationPpm' | 'verify' | 'awaitingSubject' | 'receiptClient'>;

export type NewJob = Pick<
  JobRecord,
  'jobId' | 'account' | 'model' | 'kind' | 'prompt' | 'requires' | 'params' | 'maxPriceMicro' | 'minUnits' | 'pinnedMinerId' | 'createdAt' | 'deadline'
> &
  Partial<JobConstraints> &
  /** 0 when not given: a check job's earnings are released at completion. */
  Partial<Pick<JobRecord, 'acceptanceWindowMs' | 'live'>>;

export interface IdempotencyClaim {
  key: string;
  requestHash: string;
  /** Rows created before this time are stale and may be replaced. */
  notBefore: number;
  /** The 201 body to replay, built from the job about to be inserted. */
  response: string;
}

export interface IdempotentSubmit {
  requestHash: string;
  response: string;
}

export interface QuotaClaim {
  keyId: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  limit: number;
}

/** One item of a batch submit (submitJobs): submitJob's arguments. */
export interface BatchSubmit {
  job: NewJob;
  idempotency: IdempotencyClaim | null;
  quota: QuotaClaim | null;
  companion?: NewJob | null;
}

/** `existing`: the idempotency key was taken (by a concurrent submit) before this one landed. */
export type SubmitOutcome =
  | { kind: 'created'; job: JobRecord }
  | { kind: 'existing'; prior: IdempotentSubmit }
  | { kind: 'insufficient_balance'; availableMicro: bigint }
  | { kind: 'quota_exceeded'; used: number };

export interface AccountBalance {
  account: string;
  availableMicro: bigint;
  escrowedMicro: bigint;
  /** Asked to withdraw; the transfer is not final yet. */
  withdrawingMicro: bigint;
}

/** A credit, or the refusal when the books would then hold more than MAX_AMOUNT_MICRO. */
export type CreditOutcome = { ok: true; balance: AccountBalance } | { ok: false; heldMicro: bigint };

export interface MinerEarnings {
  minerId: string;
  /** Paid by completed jobs still inside their acceptance window (or disputed): not claimable yet. */
  heldMicro: bigint;
  /** Paid by completed jobs, released from their window, and not yet claimed. */
  earnedMicro: bigint;
  /** Claimed, awaiting settlement on chain. */
  claimedMicro: bigint;
  unclaimedReceipts: number;
  /** Paid out on chain to the payout address. */
  settledMicro: bigint;
}

export type ReceiptClaimOutcome =
  /** `settled`: the receipt was already paid on chain, so the claim moves no money. */
  | { kind: 'claimed'; amountMicro: bigint; claimedAt: number; settled: boolean }
  | { kind: 'already_claimed'; claimedAt: number }
  /** Not released: its job's window ends at `acceptUntil`, or a dispute holds it (or refunded it). */
  | { kind: 'held'; acceptUntil: number; dispute: DisputeState | null }
  | { kind: 'not_found' };

/** A client's dispute, as the store sees it; the caller (src/services/disputes.ts) says why a refusal is one. */
export interface DisputeRequest {
  jobId: string;
  account: string;
  reason: string;
  now: number;
  /** The client-paid re-execution to queue when the job has no re-execution check yet. */
  rerun: NewJob;
}

export type DisputeOutcome =
  /** `rerun`: the re-execution queued for it; null when the job's existing check decides the dispute (already decided: `job.dispute` says how). */
  | { kind: 'opened'; job: JobRecord; rerun: JobRecord | null }
  /** Not a client job of this account. */
  | { kind: 'not_found' }
  /** Not completed, its window passed, or disputed before: `job` says which. */
  | { kind: 'refused'; job: JobRecord }
  | { kind: 'insufficient_balance'; availableMicro: bigint };

import type { LedgerAudit, LedgerSnapshot } from '../ledger/audit.ts';
import type { DutyStore } from './contract/duties.ts';
import type { KeyStore } from './contract/keys.ts';
import type { MinerStore } from './contract/miners.ts';
import type { JobStore } from './contract/jobs.ts';
import type { VerificationStore } from './contract/verification.ts';
import type { AcceptanceStore } from './contract/acceptance.ts';
import type { ReceiptStore } from './contract/receipts.ts';
import type { LedgerStore } from './contract/money.ts';
import type { ChainStore } from './contract/chain.ts';
import type { SettingsStore } from './contract/settings.ts';
import type { DashboardStore } from './contract/dashboards.ts';

export type { LedgerAudit, LedgerSnapshot };

/** What a heartbeat says the miner runs; jobs claimed since `claimedBefore` may not be known to it yet. */
export interface HeldJobs {
  jobIds: string[];
  claimedBefore: number;
}

export interface ClaimRequest {
  minerId: string;
  now: number;
  leaseMs: number;
  /** Fresh per claim; binds the receipt to this claim. */
  nonce: string;
  /** What the claim needs of the policy to tell whether this miner may run re-executions and tie-breaks (`mayVerify`). */
  probationJobs: number;
  trusted: boolean;
  /** --min-bond in µAIT (absent: 0, off); above 0, a job is claimable only while the max prices of the jobs the miner holds, with it, stay within its bond. */
  minBondMicro?: bigint;
}

/** A claim of several jobs: one fresh nonce per job it may take. */
export type ClaimManyRequest = Omit<ClaimRequest, 'nonce'> & { nonces: string[] };

export type ClaimNextOutcome = { kind: 'claimed'; job: JobRecord } | { kind: 'none' } | { kind: 'capacity_full'; running: number };

/** `claimed` with no jobs: nothing claimable; `capacity_full`: the miner had no free slot at all. */
export type ClaimManyOutcome = { kind: 'claimed'; jobs: JobRecord[] } | { kind: 'capacity_full'; running: number };

export type ClaimJobOutcome =
  | { kind: 'claimed'; job: JobRecord }
  | { kind: 'capacity_full'; running: number }
  /** The job exists but is not claimable by this miner (state, model, pin, price or deadline). */
  | { kind: 'unavailable'; job: JobRecord }
  | { kind: 'not_found' };

export interface Completion {
  jobId: string;
  minerId: string;
  claimNonce: string;
  output: string;
  outputData: JobOutputData | null;
  promptTokens: number;
  completionTokens: number;
  priceMicro: bigint;
  receipt: Receipt;
  /** The registered key the miner signature was checked with (kept with the receipt). */
  minerPublicKey: string;
  now: number;
  /**
   * For a job submitted with `verify`: how its awaiting re-execution is released in this
   * transaction (who may run it and by when); null for any other job.
   */
  release?: { requiredDigest: string | null; excludedOwners: string[]; deadline: number } | null;
}

export type CompletionOutcome = { kind: 'done'; job: JobRecord; released: JobRecord | null } | { kind: 'refused'; job: JobRecord | null };

/** A guarded transition: either it happened, or here is the job as it stands (null if unknown). */
export type TransitionOutcome = { kind: 'done'; job: JobRecord } | { kind: 'refused'; job: JobRecord | null };

export interface JobPage {
  items: JobRecord[];
  /** Position after the last item, or null at the end. */
  next: { createdAt: number; jobId: string } | null;
}

export interface ModelOffer {
  model: string;
  minersOnline: number;
  /** Per unit (token), over the online miners offering the model. */
  minPriceMicro: bigint;
  medianPriceMicro: bigint;
  maxPriceMicro: bigint;
  /** Per distinct capability bit set online miners offer for it, the lowest price per unit among them (a request needs a set that covers it). */
  offerings: { bits: number; minPriceMicro: bigint }[];
  /** The longest context an online miner runs it with; null when none says. */
  contextLength: number | null;
}

export interface SweepResult {
  expired: number;
  requeued: number;
  failed: number;
}

export interface StoredReceipt {
  receiptId: string;
  jobId: string;
  minerId: string;
  account: string;
  receipt: Receipt;
  /** base64url key the miner signed this receipt with, as pinned when it was accepted (null only if unknown). */
  minerKey: string | null;
  priceMicro: bigint;
  createdAt: number;
  claimedAt: number | null;
  settledAt: number | null;
}

// ---- the web pages' reads (contract/dashboards.ts)

/** A receipt as the lists show it: its job's model and units, where its money stands, and its settlement. */
export interface ReceiptListing {
  receiptId: string;
  jobId: string;
  minerId: string;
  account: string;
  model: string;
  priceMicro: bigint;
  /** prompt + completion tokens, as the receipt states them. */
  units: number;
  createdAt: number;
  releasedAt: number | null;
  claimedAt: number | null;
  settledAt: number | null;
  refundedAt: number | null;
  /** The settlement row it was batched into; null before batching. */
  settlement: { outboxId: number; state: OutboxState; txHash: string | null; blockHeight: number | null } | null;
}

/** Keyset position: the last item's time and id. */
export interface ReceiptListPosition {
  createdAt: number;
  receiptId: string;
}

/** Every filter given narrows the list (null: not filtered). */
export interface ReceiptListQuery {
  account: string | null;
  minerId: string | null;
  /** Only receipts of miners registered by this key. */
  ownerKeyId: string | null;
  limit: number;
  after: ReceiptListPosition | null;
}

export interface ReceiptPage {
  items: ReceiptListing[];
  next: ReceiptListPosition | null;
}

/** One UTC day and model of a miner's receipts. */
export interface DayEarnings {
  /** YYYY-MM-DD, UTC. */
  day: string;
  model: string;
  jobs: number;
  units: number;
  earnedMicro: bigint;
}

/** A settlement row carrying some of a miner's receipts; `amountMicro` is the miner's part of it. */
export interface MinerPayout {
  outboxId: number;
  state: OutboxState;
  txHash: string | null;
  blockHeight: number | null;
  amountMicro: bigint;
  receipts: number;
  /** When the row last changed (final: when the block was seen final). */
  at: number;
}

export interface DaySpend {
  day: string;
  jobs: number;
  spentMicro: bigint;
}

export interface MarketActivity {
  /** Jobs queued (claimable or waiting) per model; models with none are left out. */
  queuedByModel: Map<string, number>;
  /** Per time asked for, jobs completed at or after it. */
  completedSince: number[];
}

// ---- verification (src/services/verification.ts decides; the store keeps)

export type CheckVerdict = 'agree' | 'disagree' | 'inconclusive' | 'abandoned';

export interface CheckRecord {
  checkId: number;
  kind: CheckKind;
  /** Whose work is checked: the canary's miner, or the miner that ran the subject job. */
  minerId: string;
  subjectJobId: string | null;
  checkJobId: string;
  /** The runs after the re-run (or the canary job), in order (src/verification/majority.ts asks for them). */
  tiebreakJobIds: string[];
  /** The miners whose run the verdict failed: the checked miner, or a verifier outvoted. */
  failedMinerIds: string[];
  canaryId: number | null;
  /** null while pending. */
  verdict: CheckVerdict | null;
  rule: string | null;
  detail: string | null;
  createdAt: number;
  decidedAt: number | null;
}

export type NewCheck = Pick<CheckRecord, 'kind' | 'minerId' | 'subjectJobId' | 'canaryId'>;

export interface CheckPage {
  items: CheckRecord[];
  /** The check_id after which the next page starts, or null at the end. */
  next: number | null;
}

export interface CanaryRecord {
  canaryId: number;
  model: string;
  modelDigest: string;
  backend: string;
  kind: JobKind;
  prompt: string;
  params: JobParams;
  /** The canonical output text (tool calls included). */
  output: string;
  completionTokens: number;
  source: 'agreement' | 'trusted';
  sourceJobId: string;
  receiptClient: string;
  /** The jobs whose runs agreed on `output` (2, or 3 when tie-breaks decided it; the source job alone when trusted). */
  evidenceJobIds: string[];
  createdAt: number;
  /** A confirming run sided with a canary answer against it: never sent again. */
  withdrawnAt: number | null;
}

export type NewCanary = Omit<CanaryRecord, 'canaryId' | 'withdrawnAt'>;

/** One counted check outcome of a decision. */
export interface DecidedOutcome extends CheckOutcome {
  /** Why it failed, for the miner's pause reason. */
  detail: string;
}

export interface CheckDecision {
  checkId: number;
  verdict: CheckVerdict;
  rule: string | null;
  detail: string;
  now: number;
  /** Each is counted in its miner's record, whose standing then becomes `nextStanding` of it. */
  outcomes: DecidedOutcome[];
  /** The pause policy, applied inside the transaction to the record as it stands there. */
  nextStanding: (record: MinerTrackRecord, outcome: DecidedOutcome) => Standing;
  /** A pool entry the verdict makes (two runs agreed). */
  canary: NewCanary | null;
  /** A pool entry the verdict withdraws (a confirming run sided with the canary's miner). */
  withdrawCanaryId: number | null;
}

/** `decided: false`: another decider got there first, nothing changed. `records`: each counted miner after the decision. */
export type DecisionOutcome = { decided: boolean; records: Map<string, MinerTrackRecord> };

export type CheckJobOutcome = { kind: 'created'; job: JobRecord; check: CheckRecord } | { kind: 'insufficient_balance'; availableMicro: bigint };

export type TiebreakOutcome = { kind: 'started'; job: JobRecord } | { kind: 'insufficient_balance'; availableMicro: bigint } | { kind: 'not_pending' };

// ---- the chain (only used with --chain-url)

/** A transfer to the clearing address, seen in a final block. */
export interface ChainDeposit {
  txHash: string;
  blockHeight: number;
  fromAddress: string;
  amountMicro: bigint;
  memo: string | null;
}

/** A bond, unbond or slash as a final block shows it (src/chain/bond-events.ts). */
export type BondEvent =
  | { kind: 'bond'; minerKey: string; address: string; amountMicro: bigint; blockHeight: number }
  /** `unbondingId`: the unbond transaction's hash; `releaseHeight`: when the chain returns it to the address. */
  | { kind: 'unbond'; unbondingId: string; minerKey: string; address: string; amountMicro: bigint; blockHeight: number; releaseHeight: number }
  /** What a slash took, from the bond and from the unbondings that release soonest (GET /rpc/slashes/{receipt_id}). */
  | { kind: 'slash'; minerKey: string; fromBondMicro: bigint; fromUnbondingMicro: bigint; blockHeight: number };

/** A slash's evidence, as the `slash` transaction carries it (packages/chain/src/txs/slash-evidence.ts). */
export interface SlashEvidence {
  receipt: Receipt;
  references: Receipt[];
  /** miner_id → the key each reference was signed with. */
  reference_keys: Record<string, string>;
}

/** A slash to send: the receipt of the failed run and who it harmed (the account that paid for that run). */
export interface NewSlash {
  receiptId: string;
  jobId: string;
  minerId: string;
  minerKey: string;
  checkId: number;
  account: string;
  evidence: SlashEvidence;
}

/** A miner's bond as final blocks show it. */
export interface MinerBond {
  minerId: string;
  /** The key the miner is registered with: the bond is read for this key. */
  minerKey: string;
  /** The address that bonded the key; null when it has no bond. */
  address: string | null;
  bondedMicro: bigint;
  /** Unbonded, not yet released (still slashable). */
  unbondingMicro: bigint;
  /** Whether the bond counts for the miner: its key was bonded from its payout address (else anyone could bond a key first). */
  counts: boolean;
}

export interface DepositRecord extends ChainDeposit {
  /** The credited account; null when the memo named no account we know. */
  account: string | null;
  createdAt: number;
}

export type OutboxState = 'queued' | 'pending' | 'sent' | 'final' | 'failed' | 'duplicate';
export const OPEN_OUTBOX_STATES: readonly OutboxState[] = ['queued', 'pending', 'sent'];
/** What the operator's view lists: rows still moving, and refused ones that wait for an operator. */
export const NOT_FINAL_OUTBOX_STATES: readonly OutboxState[] = [...OPEN_OUTBOX_STATES, 'failed', 'duplicate'];

/** A transaction the clearing key sends: a settlement batch, a withdrawal or a slash. */
export interface OutboxRecord {
  outboxId: number;
  kind: 'settle' | 'withdraw' | 'slash';
  state: OutboxState;
  account: string | null;
  toAddress: string | null;
  amountMicro: bigint;
  receiptCount: number;
  nonce: number | null;
  txHash: string | null;
  /** The signed transaction exactly as sent, JSON. */
  txJson: string | null;
  blockHeight: number | null;
  errorCode: string | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface OutboxCount {
  kind: OutboxRecord['kind'];
  state: OutboxState;
  count: number;
}

export type WithdrawalOutcome = { kind: 'queued'; withdrawal: OutboxRecord; balance: AccountBalance } | { kind: 'insufficient_balance'; availableMicro: bigint };

/** What the books say the clearing address should hold, by kind. */
export interface ChainBooks {
  availableMicro: bigint;
  escrowedMicro: bigint;
  unsettledEarningsMicro: bigint;
  pendingWithdrawalsMicro: bigint;
  unmatchedDepositsMicro: bigint;
  /** Admin credits minus nothing: money in the books that never came from the chain. */
  adminCreditsMicro: bigint;
}

/**
 * The books with what they have read from the chain, all from one snapshot: the final blocks
 * below `depositCursor` and the outbox rows final so far. The operator's comparison with the
 * clearing balance is only exact when these agree with each other.
 */
export interface ChainBooksSnapshot {
  books: ChainBooks;
  depositCursor: number;
  /** Rows not final (queued, pending, sent, failed, duplicate), oldest first. */
  outbox: OutboxRecord[];
  unmatchedDeposits: DepositRecord[];
  /** When the oldest receipt still waiting for settlement was made (the settlement lag's start); null when none waits. */
  oldestUnsettledAt: number | null;
}

/**
 * The engine-neutral store contract, by area (src/store/contract/): every engine implements all
 * of it; a service may ask for only the areas it uses.
 */
export interface CoordinatorStore extends DutyStore, KeyStore, MinerStore, JobStore, VerificationStore, AcceptanceStore, ReceiptStore, LedgerStore, ChainStore, SettingsStore, DashboardStore {}

export type { DutyStore, KeyStore, MinerStore, JobStore, VerificationStore, AcceptanceStore, ReceiptStore, LedgerStore, ChainStore, SettingsStore, DashboardStore };
