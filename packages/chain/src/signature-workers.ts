// Transaction signatures checked on worker threads ahead of admission or import, so a batch's
// Ed25519 verifications (the larger part of admitting a transfer) run on the machine's other cores
// instead of one after another on the node's thread. Only a head start: what a worker verified is
// recorded in the node's VerifiedSignatures, which then answers for it; one a worker refused, or
// could not check (it failed, the batch was small), is left to the node's own check, which decides.
//
// The node's thread does all of the check but the equation (the key is `from`'s, the signed bytes:
// signatureParts); a worker runs only node:crypto's Ed25519 verify, the call @aitbc/protocol/node
// makes, so it needs no module of ours (and no TypeScript loader when running from source).

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { signatureParts, type SignedTx } from './tx.ts';
import type { VerifiedSignatures } from './verified-signatures.ts';

/** Below this many unchecked transactions the messages cost more than checking them in line. */
export const MIN_WORKER_BATCH = 16;

/** A thread's script: [publicKey, message, signature] triples in, one byte each out (1 valid). */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const keys = new Map();
function keyOf(raw) {
  const x = Buffer.from(raw).toString('base64url');
  let key = keys.get(x);
  if (!key) {
    if (keys.size >= 10000) keys.clear();
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    keys.set(x, key);
  }
  return key;
}
parentPort.on('message', ({ id, items }) => {
  const valid = new Uint8Array(items.length);
  items.forEach(([publicKey, message, signature], i) => {
    try {
      valid[i] = signature.length === 64 && verify(null, message, keyOf(publicKey), signature) ? 1 : 0;
    } catch {}
  });
  parentPort.postMessage({ id, valid }, [valid.buffer]);
});
`;

type Item = [publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array];

/** One thread and its requests in flight. Unreferenced while idle, so it never holds the process open. */
class SignatureThread {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly pending = new Map<number, (valid: Uint8Array | null) => void>();
  private nextId = 0;
  failed = false;
  /** It answered once: it can run here (a thread that fails before cannot, and is not replaced). */
  answered = false;

  constructor() {
    this.worker.unref();
    this.worker.on('message', ({ id, valid }: { id: number; valid: Uint8Array }) => this.settle(id, valid));
    this.worker.on('error', () => this.fail());
    this.worker.on('exit', () => this.fail());
  }

  /** One byte per item (1 valid), or null if the thread failed. */
  check(items: Item[]): Promise<Uint8Array | null> {
    if (this.failed) return Promise.resolve(null);
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ id, items });
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private settle(id: number, valid: Uint8Array | null): void {
    if (valid) this.answered = true;
    this.pending.get(id)?.(valid);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private fail(): void {
    this.failed = true;
    for (const id of [...this.pending.keys()]) this.settle(id, null);
  }
}

export class SignatureWorkers {
  private threads: SignatureThread[] = [];
  /** A thread failed before it ever answered: threads do not run here, and every check stays in line. */
  private unavailable = false;

  /** `size`: threads, by default one per core the process may use. */
  constructor(private readonly size = availableParallelism()) {}

  /**
   * Verifies on the threads, split evenly, the signatures of those of `values` that are shaped
   * like a transaction and not recorded yet, and records in `signatures` those that verify.
   */
  async checkAhead(values: readonly unknown[], signatures: VerifiedSignatures): Promise<void> {
    const txs: SignedTx[] = [];
    const items: Item[] = [];
    for (const value of values) {
      if (!isTxShaped(value) || signatures.has(value)) continue;
      const parts = partsOf(value);
      if (!parts) continue;
      txs.push(value);
      items.push([parts.publicKey, parts.message, parts.signature]);
    }
    const threads = items.length < MIN_WORKER_BATCH ? [] : this.live();
    if (threads.length === 0) return;
    const share = Math.ceil(items.length / threads.length);
    await Promise.all(
      threads.map(async (thread, t) => {
        const from = t * share;
        const valid = from < items.length ? await thread.check(items.slice(from, from + share)) : null;
        valid?.forEach((ok, i) => ok === 1 && signatures.record(txs[from + i]!));
      }),
    );
  }

  /** Stops the threads (idle, they never hold the process open anyway). */
  async close(): Promise<void> {
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map((thread) => thread.terminate()));
  }

  /** The threads, one that failed after working replaced; none if threads cannot run here. */
  private live(): SignatureThread[] {
    if (this.threads.some((thread) => thread.failed && !thread.answered)) this.unavailable = true;
    if (this.unavailable) return [];
    this.threads = this.threads.filter((thread) => !thread.failed);
    while (this.threads.length < this.size) this.threads.push(new SignatureThread());
    return this.threads;
  }
}

function isTxShaped(value: unknown): value is SignedTx {
  const tx = value as SignedTx | null;
  return typeof tx === 'object' && tx !== null && typeof tx.signature === 'string' && typeof tx.body === 'object' && tx.body !== null;
}

/** The parts to verify, or null for one whose key is not `from`'s or whose body cannot be read. */
function partsOf(tx: SignedTx): ReturnType<typeof signatureParts> {
  try {
    return signatureParts(tx);
  } catch {
    return null;
  }
}
