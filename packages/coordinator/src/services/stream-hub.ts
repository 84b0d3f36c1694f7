// Live output of jobs that a client is waiting on (the OpenAI-compatible routes). The route
// watches a job before submitting it; the miner holding the job streams pieces over a WebSocket
// (src/routes/job-stream.ts) and the hub relays them to the watchers as they come; completion and
// failure end the watch. LocalStreamHub keeps it in memory: a watcher is an open HTTP response of
// this process. Several coordinators on one database use SharedStreamHub
// (src/services/shared-stream-hub.ts), which carries the same contract over the bus.
//
// What one job may stream is bounded (`maxStreamBytes`), and the hub remembers what it relayed
// as a length and a running SHA-256, never the text, so that a completion can be held to exactly
// what its client saw at a constant cost per job. A watcher that cannot keep up holds the
// stream: the miner's socket is paused until every hold is released.

import { createHash, type Hash } from 'node:crypto';
import type { ApiError, Receipt } from '@aitbc/protocol';
import type { JobRecord } from '../store/store.ts';
import type { ErrorLog } from './safely.ts';

export type StreamEvent =
  | { type: 'text'; text: string }
  | { type: 'completed'; job: JobRecord; receipt: Receipt }
  | { type: 'failed'; error: ApiError }
  /** The job ended in another process: its outcome is read from the store. */
  | { type: 'ended' };

export interface MinerControl {
  stop(reason: string): void;
  /** Stop reading the miner's stream (a watcher is not keeping up) until resume(). */
  pause(): void;
  resume(): void;
}

/** What became of a piece of text from the miner. */
export type TextOutcome = 'relayed' | 'not_watched' | 'over_limit';

export type Listener = (event: StreamEvent) => void;

/**
 * The hub every route and service uses. The methods that the shared hub must ask another
 * process about are async; the others act at once (the shared hub publishes in the background).
 */
/** A job as the hub needs it: only a job submitted `live` (JobRecord.live) can have a client watching its pieces. */
export type WatchedJob = Pick<JobRecord, 'jobId' | 'live'>;

export interface StreamHub {
  /** The most one job may stream, in UTF-8 bytes: at most what a completion body can carry. */
  readonly maxStreamBytes: number;
  /** Whether the coordinator is stopping (shutdown was called). */
  readonly stopping: boolean;
  /** Watches a job; resolves (with the function that stops watching) once a miner anywhere would see it. */
  watch(jobId: string, live: boolean, listener: Listener): Promise<() => void>;
  /** A client is waiting for this job's pieces: the miner should stream them. */
  isLive(job: WatchedJob): Promise<boolean>;
  /**
   * Characters of output already relayed to this job's client (0 when nobody watches); null when
   * the client's coordinator could not be asked (the shared hub): treat it as "some".
   */
  relayedChars(job: WatchedJob): Promise<number | null>;
  /**
   * Whether a completion's output is what the client was shown: true when nothing was relayed
   * (the client then gets the whole output at once), else only for exactly the relayed text.
   */
  matchesRelayed(job: WatchedJob, output: string): Promise<boolean>;
  /** The miner's stream opened; false if no client waits for its pieces. */
  attachMiner(jobId: string, control: MinerControl): Promise<boolean>;
  detachMiner(jobId: string, control: MinerControl): void;
  /** Relays a piece from the miner, unless it would take the job past its stream limit. */
  text(jobId: string, text: string): TextOutcome;
  completed(jobId: string, job: JobRecord, receipt: Receipt): void;
  failed(jobId: string, error: ApiError): void;
  /** Asks the miner streaming this job to stop (the client went away); false if none is. */
  stop(jobId: string, reason: string): boolean;
  /**
   * A watcher's client stopped reading: the miner's socket is paused until the returned
   * function (idempotent) is called, so nothing piles up meanwhile.
   */
  hold(jobId: string): () => void;
  /** The coordinator is stopping: every watcher here gets `error`, now and when it starts watching. */
  shutdown(error: ApiError): void;
}

interface Watch {
  listeners: Set<Listener>;
  /** Whether the client wants pieces as they come (the miner then streams). */
  live: boolean;
  miner: MinerControl | null;
  /** UTF-8 bytes relayed, held to the per-job limit. */
  relayedBytes: number;
  /** UTF-16 code units relayed and their SHA-256 (lone surrogates split across pieces hash as they join). */
  relayedChars: number;
  relayedHash: Hash | null;
  /** Watchers whose client is not reading: the miner's socket stays paused while any is. */
  holds: number;
}

/** SHA-256 of a string's UTF-16 code units: the same for a text and for its pieces fed in order. */
const feed = (hash: Hash, text: string) => hash.update(Buffer.from(text, 'utf16le'));

/** What the hub compares a completion's output by: the hex SHA-256 of its UTF-16 code units. */
export const textDigest = (text: string) => feed(createHash('sha256'), text).digest('hex');

/** The hub of one coordinator process; its sync methods are what SharedStreamHub builds on. */
export class LocalStreamHub implements StreamHub {
  private readonly watches = new Map<string, Watch>();
  private shutDown: ApiError | null = null;

  constructor(
    /** The most one job may stream, in UTF-8 bytes: at most what a completion body can carry. */
    readonly maxStreamBytes: number,
    private readonly log: ErrorLog,
  ) {}

  async watch(jobId: string, live: boolean, listener: Listener): Promise<() => void> {
    return this.watchNow(jobId, live, listener);
  }

  /** Watches a job; returns the function that stops watching. */
  watchNow(jobId: string, live: boolean, listener: Listener): () => void {
    let watch = this.watches.get(jobId);
    if (!watch) this.watches.set(jobId, (watch = { listeners: new Set(), live: false, miner: null, relayedBytes: 0, relayedChars: 0, relayedHash: null, holds: 0 }));
    watch.live ||= live;
    watch.listeners.add(listener);
    if (this.shutDown) queueMicrotask(() => this.emitTo(jobId, listener, { type: 'failed', error: this.shutDown! }));
    return () => {
      watch.listeners.delete(listener);
      if (watch.listeners.size === 0 && this.watches.get(jobId) === watch) this.watches.delete(jobId);
    };
  }

  get stopping(): boolean {
    return this.shutDown !== null;
  }

  async isLive({ jobId }: WatchedJob): Promise<boolean> {
    return this.isLiveHere(jobId);
  }

  /** Whether a watcher in this process waits for the job's pieces. */
  isLiveHere(jobId: string): boolean {
    return this.watches.get(jobId)?.live ?? false;
  }

  async relayedChars({ jobId }: WatchedJob): Promise<number> {
    return this.shownChars(jobId);
  }

  async matchesRelayed({ jobId }: WatchedJob, output: string): Promise<boolean> {
    return this.shows(jobId, output);
  }

  /** Whether anyone in this process watches the job. */
  watching(jobId: string): boolean {
    return this.watches.has(jobId);
  }

  /** Whether a watcher here holds the job's miner paused. */
  isHeld(jobId: string): boolean {
    return (this.watches.get(jobId)?.holds ?? 0) > 0;
  }

  /** Characters relayed to this process's watchers of the job. */
  shownChars(jobId: string): number {
    return this.watches.get(jobId)?.relayedChars ?? 0;
  }

  /** matchesRelayed, for this process's watchers. */
  shows(jobId: string, output: string): boolean {
    const watch = this.watches.get(jobId);
    if (!watch?.relayedHash) return true;
    return output.length === watch.relayedChars && textDigest(output) === watch.relayedHash.copy().digest('hex');
  }

  /** `shows` for an output known by its length and textDigest (asked from another process). */
  showsDigest(jobId: string, chars: number, digest: string): boolean {
    const watch = this.watches.get(jobId);
    if (!watch?.relayedHash) return true;
    return chars === watch.relayedChars && digest === watch.relayedHash.copy().digest('hex');
  }

  async attachMiner(jobId: string, control: MinerControl): Promise<boolean> {
    return this.attachMinerHere(jobId, control);
  }

  /** attachMiner, for a watch of this process. */
  attachMinerHere(jobId: string, control: MinerControl): boolean {
    const watch = this.watches.get(jobId);
    if (!watch?.live || this.shutDown) return false;
    watch.miner = control;
    if (watch.holds > 0) control.pause();
    return true;
  }

  detachMiner(jobId: string, control: MinerControl): void {
    const watch = this.watches.get(jobId);
    if (watch?.miner === control) watch.miner = null;
  }

  text(jobId: string, text: string): TextOutcome {
    const watch = this.watches.get(jobId);
    if (!watch?.miner) return 'not_watched';
    if (text.length === 0) return 'relayed';
    const bytes = Buffer.byteLength(text);
    if (watch.relayedBytes + bytes > this.maxStreamBytes) return 'over_limit';
    watch.relayedBytes += bytes;
    watch.relayedChars += text.length;
    feed((watch.relayedHash ??= createHash('sha256')), text);
    this.emit(jobId, watch, { type: 'text', text });
    return 'relayed';
  }

  completed(jobId: string, job: JobRecord, receipt: Receipt): void {
    const watch = this.watches.get(jobId);
    if (watch) this.emit(jobId, watch, { type: 'completed', job, receipt });
  }

  failed(jobId: string, error: ApiError): void {
    const watch = this.watches.get(jobId);
    if (watch) this.emit(jobId, watch, { type: 'failed', error });
  }

  /** The job ended in another process: this process's watchers read its outcome from the store. */
  ended(jobId: string): void {
    const watch = this.watches.get(jobId);
    if (watch) this.emit(jobId, watch, { type: 'ended' });
  }

  stop(jobId: string, reason: string): boolean {
    const miner = this.watches.get(jobId)?.miner;
    if (!miner) return false;
    try {
      miner.stop(reason);
    } catch (error) {
      this.log.error({ err: error, job_id: jobId }, 'telling the miner to stop failed');
    }
    return true;
  }

  hold(jobId: string): () => void {
    const watch = this.watches.get(jobId);
    if (!watch) return () => undefined;
    if (watch.holds++ === 0) watch.miner?.pause();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--watch.holds === 0) watch.miner?.resume();
    };
  }

  shutdown(error: ApiError): void {
    this.shutDown = error;
    for (const [jobId, watch] of [...this.watches]) this.emit(jobId, watch, { type: 'failed', error });
  }

  private emit(jobId: string, watch: Watch, event: StreamEvent): void {
    for (const listener of [...watch.listeners]) this.emitTo(jobId, listener, event);
  }

  /** A listener that throws is logged and dropped; the others and the miner's socket go on. */
  private emitTo(jobId: string, listener: Listener, event: StreamEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.log.error({ err: error, job_id: jobId }, 'a stream watcher failed; it was dropped');
      this.watches.get(jobId)?.listeners.delete(listener);
    }
  }
}
