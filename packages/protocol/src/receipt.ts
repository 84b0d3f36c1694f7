// Receipt formats v1 and v2 (docs/RECEIPTS.md): build, derive the id, sign and verify. Version 2
// adds what ran: the model's digest, the backend kind and the hash of the generation parameters. No server dependency,
// so the coordinator, the miner, the SDK, the chain and a browser all share these exact bytes.

import { canonicalize } from './jcs.ts';
import { base64urlDecode, base64urlEncode, sha256Hex, utf8 } from './encoding.ts';
import { publicKeyFromSecret, sign, verify } from './keys.ts';
import { amountProblem, formatAmount, MAX_AMOUNT_MICRO, parseAmount, priceFor } from './money.ts';

export const RECEIPT_DOMAIN_TAG = 'AITBC-RECEIPT-v1\n';
export const RECEIPT_V2_DOMAIN_TAG = 'AITBC-RECEIPT-v2\n';
export const RECEIPT_VERSIONS = [1, 2] as const;
export type ReceiptVersion = (typeof RECEIPT_VERSIONS)[number];

/**
 * One domain tag per version: the version is inside the signed JSON too, but a separate tag means
 * no signature over one version's bytes can ever be read as the other's, whatever a verifier skips.
 */
export function receiptDomainTag(version: number): string {
  if (version === 1) return RECEIPT_DOMAIN_TAG;
  if (version === 2) return RECEIPT_V2_DOMAIN_TAG;
  throw new RangeError(`receipt version ${version} is not 1 or 2`);
}

/** What served the job: an Ollama server, an OpenAI-compatible server, or the built-in demo model. */
export const BACKEND_KINDS = ['ollama', 'openai', 'demo'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export type SignerRole = 'miner' | 'coordinator';

export interface ReceiptTemplate {
  /** 2 when the miner advertised model digests at registration, else 1. */
  version: ReceiptVersion;
  chain_id: string;
  job_id: string;
  client: string;
  provider: string;
  miner_id: string;
  model: string;
  unit_type: 'tokens';
  unit_price: string;
  nonce: string;
  prompt_hash: string;
}

/** The version-2 fields: set by the miner, which alone knows what it ran. */
export interface RunFacts {
  /** `"sha256:"` + 64 hex digits: the weights the backend served (Ollama's digest, a GGUF's SHA-256). */
  model_digest: string;
  backend: BackendKind;
  /** `paramsHash(job.params)`. */
  params_hash: string;
}

export interface UnsignedReceipt extends ReceiptTemplate, Partial<RunFacts> {
  receipt_id: string;
  units: string;
  price: string;
  output_hash: string;
  started_at: number;
  completed_at: number;
}

export interface ReceiptSignature {
  alg: 'Ed25519';
  role: SignerRole;
  /** base64url public key: a hint only; verification uses pinned keys. */
  key_id: string;
  sig: string;
}

export interface Receipt extends UnsignedReceipt {
  signatures: ReceiptSignature[];
}

export const RECEIPT_FIELDS = [
  'version',
  'receipt_id',
  'chain_id',
  'job_id',
  'client',
  'provider',
  'miner_id',
  'model',
  'units',
  'unit_type',
  'unit_price',
  'price',
  'prompt_hash',
  'output_hash',
  'started_at',
  'completed_at',
  'nonce',
] as const;

/** Version 2: the 17 fields of version 1 and three more (only these three are new). */
export const RECEIPT_V2_FIELDS = [...RECEIPT_FIELDS, 'model_digest', 'backend', 'params_hash'] as const;
export type ReceiptField = (typeof RECEIPT_V2_FIELDS)[number];

export function receiptFields(version: ReceiptVersion): readonly ReceiptField[] {
  return version === 2 ? RECEIPT_V2_FIELDS : RECEIPT_FIELDS;
}

export function hashText(text: string): string {
  return `sha256:${sha256Hex(text)}`;
}

function without<T extends object>(value: T, ...keys: string[]): Record<string, unknown> {
  const copy = { ...value } as Record<string, unknown>;
  for (const key of keys) delete copy[key];
  return copy;
}

/** `rcpt-` + the first 32 hex digits of SHA-256(JCS(receipt without receipt_id and signatures)). */
export function computeReceiptId(receipt: Omit<UnsignedReceipt, 'receipt_id'> | UnsignedReceipt): string {
  return `rcpt-${sha256Hex(canonicalize(without(receipt, 'receipt_id', 'signatures'))).slice(0, 32)}`;
}

/** The bytes both parties sign: the version's domain tag, then JCS of the receipt without signatures. */
export function receiptSigningBytes(receipt: UnsignedReceipt): Uint8Array {
  return utf8(receiptDomainTag(receipt.version) + canonicalize(without(receipt, 'signatures')));
}

export interface CompletionFacts {
  units: bigint;
  maxPriceMicro: bigint;
  output: string;
  startedAt: number;
  completedAt: number;
  /** Required by a version-2 template, left out of a version-1 receipt. */
  run?: RunFacts | undefined;
}

/**
 * The miner's part: fills units, price, output hash and times into the template (and, for
 * version 2, the model digest, backend and parameters hash), and derives the id.
 */
export function completeReceipt(template: ReceiptTemplate, facts: CompletionFacts): UnsignedReceipt {
  let run: RunFacts | Record<string, never> = {};
  if (template.version === 2) {
    if (!facts.run) throw new Error(`receipt template for ${template.job_id} is version 2: the model digest, backend and params hash are required`);
    run = { model_digest: facts.run.model_digest, backend: facts.run.backend, params_hash: facts.run.params_hash };
  }
  const body = {
    ...template,
    ...run,
    units: facts.units.toString(),
    price: formatAmount(priceFor(facts.units, parseAmount(template.unit_price), facts.maxPriceMicro)),
    output_hash: hashText(facts.output),
    started_at: facts.startedAt,
    completed_at: facts.completedAt,
  };
  return { ...body, receipt_id: computeReceiptId(body) };
}

/** A new receipt with this role's signature added; a role signs at most once. */
export function signReceipt(receipt: UnsignedReceipt | Receipt, role: SignerRole, secretKey: Uint8Array): Receipt {
  const existing = 'signatures' in receipt ? receipt.signatures : [];
  if (existing.some((signature) => signature.role === role)) throw new Error(`receipt ${receipt.receipt_id} already has a ${role} signature`);
  const signature: ReceiptSignature = {
    alg: 'Ed25519',
    role,
    key_id: base64urlEncode(publicKeyFromSecret(secretKey)),
    sig: base64urlEncode(sign(receiptSigningBytes(receipt), secretKey)),
  };
  return { ...(receipt as UnsignedReceipt), signatures: [...existing, signature] };
}

/** The role's signature checked with the pinned key (never the key_id the receipt carries). */
export function verifyReceiptSignature(receipt: Receipt, role: SignerRole, pinnedPublicKey: Uint8Array): boolean {
  const parts = receiptSignatureParts(receipt, role);
  return parts !== null && verify(parts.signature, parts.message, pinnedPublicKey);
}

/**
 * What verifyReceiptSignature verifies besides the pinned key, for a check made elsewhere (a
 * coordinator's worker threads): the role's one signature and the signed bytes; null if the
 * receipt has not exactly one Ed25519 signature of that role, or is of no known version.
 */
export function receiptSignatureParts(receipt: Receipt, role: SignerRole): { signature: Uint8Array; message: Uint8Array } | null {
  const signatures = receipt.signatures.filter((signature) => signature.role === role);
  if (signatures.length !== 1 || signatures[0]!.alg !== 'Ed25519') return null;
  let signature: Uint8Array;
  try {
    signature = base64urlDecode(signatures[0]!.sig);
  } catch {
    return null;
  }
  if (receipt.version !== 1 && receipt.version !== 2) return null;
  return { signature, message: receiptSigningBytes(receipt) };
}

const HASH = /^sha256:[0-9a-f]{64}$/;
const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 256;
const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** Field → [check, what it must be]. */
const isBoundedAmount = (value: unknown): boolean => amountProblem(value) === null;
const BOUNDED_AMOUNT = `must be a canonical decimal string of at most ${formatAmount(MAX_AMOUNT_MICRO)} AITBC`;
const FIELD_RULES: Record<ReceiptField, [(value: unknown) => boolean, string]> = {
  version: [(v) => v === 1 || v === 2, 'must be 1 or 2'],
  receipt_id: [(v) => typeof v === 'string' && /^rcpt-[0-9a-f]{32}$/.test(v), 'must be "rcpt-" and 32 hex digits'],
  chain_id: [isString, 'must be a non-empty string'],
  job_id: [isString, 'must be a non-empty string'],
  client: [isString, 'must be a non-empty string'],
  provider: [isString, 'must be a non-empty string'],
  miner_id: [isString, 'must be a non-empty string'],
  model: [isString, 'must be a non-empty string'],
  units: [(v) => typeof v === 'string' && /^(0|[1-9]\d{0,17})$/.test(v), 'must be an integer string'],
  unit_type: [(v) => v === 'tokens', 'must be "tokens"'],
  unit_price: [isBoundedAmount, BOUNDED_AMOUNT],
  price: [isBoundedAmount, BOUNDED_AMOUNT],
  prompt_hash: [(v) => typeof v === 'string' && HASH.test(v), 'must be "sha256:" and 64 hex digits'],
  output_hash: [(v) => typeof v === 'string' && HASH.test(v), 'must be "sha256:" and 64 hex digits'],
  started_at: [isTime, 'must be an integer of epoch milliseconds'],
  completed_at: [isTime, 'must be an integer of epoch milliseconds'],
  nonce: [(v) => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v), 'must be 32 hex digits'],
  model_digest: [(v) => typeof v === 'string' && HASH.test(v), 'must be "sha256:" and 64 hex digits'],
  backend: [(v) => (BACKEND_KINDS as readonly unknown[]).includes(v), `must be one of ${BACKEND_KINDS.map((kind) => `"${kind}"`).join(', ')}`],
  params_hash: [(v) => typeof v === 'string' && HASH.test(v), 'must be "sha256:" and 64 hex digits'],
};

export type ShapeResult = { ok: true; receipt: Receipt } | { ok: false; field: string; problem: string };

/** Checks every field's presence and form; `field` names the first one wrong. */
export function validateReceiptShape(value: unknown): ShapeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, field: '', problem: 'must be a JSON object' };
  const record = value as Record<string, unknown>;
  if (!Object.hasOwn(record, 'version')) return { ok: false, field: 'version', problem: 'is required' };
  if (!FIELD_RULES.version[0](record.version)) return { ok: false, field: 'version', problem: FIELD_RULES.version[1] };
  const fields = receiptFields(record.version as ReceiptVersion);
  for (const field of fields) {
    if (!Object.hasOwn(record, field)) return { ok: false, field, problem: 'is required' };
    const [check, rule] = FIELD_RULES[field];
    if (!check(record[field])) return { ok: false, field, problem: rule };
  }
  for (const key of Object.keys(record)) {
    if (key !== 'signatures' && !(fields as readonly string[]).includes(key)) return { ok: false, field: key, problem: `is not a version ${record.version} receipt field` };
  }
  const signatures = record.signatures;
  if (!Array.isArray(signatures)) return { ok: false, field: 'signatures', problem: signatures === undefined ? 'is required' : 'must be an array' };
  for (const [i, signature] of signatures.entries()) {
    const s = signature as Record<string, unknown>;
    const ok =
      typeof s === 'object' &&
      s !== null &&
      s.alg === 'Ed25519' &&
      (s.role === 'miner' || s.role === 'coordinator') &&
      typeof s.key_id === 'string' &&
      typeof s.sig === 'string' &&
      Object.keys(s).length === 4;
    if (!ok) return { ok: false, field: `signatures.${i}`, problem: 'must be {alg: "Ed25519", role: "miner"|"coordinator", key_id, sig}' };
  }
  return { ok: true, receipt: value as Receipt };
}

export interface ReceiptCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface PinnedKeys {
  miner?: Uint8Array;
  coordinator?: Uint8Array;
}

/** Every check of docs/RECEIPTS.md "Verifying" that the given keys and job allow. Never throws. */
export function verifyReceipt(value: unknown, pinned: PinnedKeys, job?: { maxPriceMicro: bigint }): { valid: boolean; checks: ReceiptCheck[] } {
  const checks: ReceiptCheck[] = [];
  const shape = validateReceiptShape(value);
  checks.push({ name: 'shape', ok: shape.ok, detail: shape.ok ? 'every field present and well formed' : `${shape.field || 'receipt'} ${shape.problem}` });
  if (!shape.ok) return { valid: false, checks };
  const receipt = shape.receipt;

  const id = computeReceiptId(receipt);
  checks.push({ name: 'receipt_id', ok: id === receipt.receipt_id, detail: id === receipt.receipt_id ? 'matches the canonical bytes' : `expected ${id}` });
  for (const role of ['miner', 'coordinator'] as const) {
    const key = pinned[role];
    if (!key) continue;
    const ok = verifyReceiptSignature(receipt, role, key);
    checks.push({ name: `${role}_signature`, ok, detail: ok ? `valid for the pinned ${role} key` : `no valid ${role} signature for the pinned key` });
  }
  const units = BigInt(receipt.units);
  const uncapped = units * parseAmount(receipt.unit_price);
  const price = parseAmount(receipt.price);
  checks.push({ name: 'price_cap', ok: price <= uncapped, detail: price <= uncapped ? 'price ≤ units × unit_price' : `price exceeds units × unit_price = ${formatAmount(uncapped)}` });
  if (job) {
    const expected = priceFor(units, parseAmount(receipt.unit_price), job.maxPriceMicro);
    checks.push({ name: 'price', ok: price === expected, detail: price === expected ? 'price = min(max_price, units × unit_price)' : `expected ${formatAmount(expected)}` });
  }
  checks.push({
    name: 'times',
    ok: receipt.started_at <= receipt.completed_at,
    detail: receipt.started_at <= receipt.completed_at ? 'started_at ≤ completed_at' : 'completed_at is before started_at',
  });
  return { valid: checks.every((check) => check.ok), checks };
}
