// Ed25519 verifications on worker threads, for a batch whose signatures would otherwise be checked
// one after another on a server's one thread (a chain node's batch of transactions or sync page, a
// coordinator's batch of completions). Only a head start: a caller records what verified and checks
// the rest itself, in line, as it would have; a thread's answer can save work, never decide a refusal.
//
// A thread runs node:crypto's verify, the call nodeBackend makes, from a script of its own: it needs
// no module of ours, so no TypeScript loader when running from source.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Below this many signatures the messages cost more than verifying them in line. */
export const MIN_THREAD_BATCH = 16;

export type VerifyItem = [publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array];

/** A thread's script: items in, one byte each out (1 valid). */
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
      valid[i] = publicKey.length === 32 && signature.length === 64 && verify(null, message, keyOf(publicKey), signature) ? 1 : 0;
    } catch {}
  });
  parentPort.postMessage({ id, valid }, [valid.buffer]);
});
`;

/** One thread and its requests in flight. Unreferenced while idle, so it never holds the process open. */
class VerifyThread {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly pending = new Map<number, (valid: Uint8Array | null) => void>();
  private nextId = 0;
  failed = false;
  /** It answered once: threads run here (one that fails before that is not replaced). */
  answered = false;

  constructor() {
    this.worker.unref();
    this.worker.on('message', ({ id, valid }: { id: number; valid: Uint8Array }) => this.settle(id, valid));
    this.worker.on('error', () => this.fail());
    this.worker.on('exit', () => this.fail());
  }

  /** One byte per item (1 valid), or null if the thread failed. */
  verify(items: VerifyItem[]): Promise<Uint8Array | null> {
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

export class Ed25519Threads {
  private threads: VerifyThread[] = [];
  /** A thread failed before it ever answered: threads do not run here, and nothing is checked on them. */
  private unavailable = false;

  /** `size`: threads, by default one per core the process may use. */
  constructor(private readonly size = availableParallelism()) {}

  /**
   * Verifies the items on the threads, split evenly: one byte per item, 1 where the signature
   * verifies, 0 where it does not or was not checked (a thread failed, or threads cannot run here).
   */
  async verifyAll(items: VerifyItem[]): Promise<Uint8Array> {
    const valid = new Uint8Array(items.length);
    const threads = items.length === 0 ? [] : this.live();
    const share = Math.ceil(items.length / Math.max(threads.length, 1));
    await Promise.all(
      threads.map(async (thread, t) => {
        const from = t * share;
        if (from >= items.length) return;
        const answer = await thread.verify(items.slice(from, from + share));
        if (answer) valid.set(answer, from);
      }),
    );
    return valid;
  }

  /**
   * Those of `candidates` whose signature verified on the threads; `itemOf` gives a candidate's
   * key, signed bytes and signature, or null to leave it out. Fewer than MIN_THREAD_BATCH items
   * are not sent (none come back): the caller checks those in line, as it does any left out.
   */
  async verified<T>(candidates: Iterable<T>, itemOf: (candidate: T) => VerifyItem | null): Promise<T[]> {
    const sent: T[] = [];
    const items: VerifyItem[] = [];
    for (const candidate of candidates) {
      const item = itemOf(candidate);
      if (item === null) continue;
      sent.push(candidate);
      items.push(item);
    }
    if (items.length < MIN_THREAD_BATCH) return [];
    const valid = await this.verifyAll(items);
    return sent.filter((_, i) => valid[i] === 1);
  }

  /** Stops the threads (idle, they never hold the process open anyway); the next batch starts new ones. */
  async close(): Promise<void> {
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map((thread) => thread.terminate()));
  }

  /** The threads, one that failed after working replaced; none if threads cannot run here. */
  private live(): VerifyThread[] {
    if (this.threads.some((thread) => thread.failed && !thread.answered)) this.unavailable = true;
    if (this.unavailable) return [];
    this.threads = this.threads.filter((thread) => !thread.failed);
    while (this.threads.length < this.size) this.threads.push(new VerifyThread());
    return this.threads;
  }
}

/** The process's threads, shared by whatever checks batches in it (a devnet runs a node and a coordinator). */
export const ed25519Threads = new Ed25519Threads();
