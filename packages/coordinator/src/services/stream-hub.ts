// Live output of jobs that a client is waiting on (the OpenAI-compatible routes). The route
// watches a job before submitting it; the miner holding the job streams pieces over a WebSocket
// (../routes/job-stream.ts) and the hub relays them to the watchers as they come; completion and
// failure end the watch. Kept in memory: a watcher is an open HTTP response of this process.

import type { ApiError, Receipt } from '@aitbc/protocol';
import type { JobRecord } from '../store/store.ts';

export type StreamEvent = { type: 'text'; text: string } | { type: 'completed'; job: JobRecord; receipt: Receipt } | { type: 'failed'; error: ApiError };

interface MinerControl {
  stop(reason: string): void;
}

interface Watch {
  listeners: Set<(event: StreamEvent) => void>;
  /** Whether the client wants pieces as they come (the miner then streams). */
  live: boolean;
  miner: MinerControl | null;
  /** Pieces relayed so far: once a client has seen output, the job cannot start over elsewhere. */
  relayed: number;
}

export class StreamHub {
  private readonly watches = new Map<string, Watch>();

  /** Watches a job; returns the function that stops watching. */
  watch(jobId: string, live: boolean, listener: (event: StreamEvent) => void): () => void {
    let watch = this.watches.get(jobId);
    if (!watch) this.watches.set(jobId, (watch = { listeners: new Set(), live: false, miner: null, relayed: 0 }));
    watch.live ||= live;
    watch.listeners.add(listener);
    return () => {
      watch.listeners.delete(listener);
      if (watch.listeners.size === 0) this.watches.delete(jobId);
    };
  }

  /** A client is waiting for this job's pieces: the miner should stream them. */
  isLive(jobId: string): boolean {
    return this.watches.get(jobId)?.live ?? false;
  }

  relayed(jobId: string): number {
    return this.watches.get(jobId)?.relayed ?? 0;
  }

  /** The miner's stream opened; false if nobody is watching any more. */
  attachMiner(jobId: string, control: MinerControl): boolean {
    const watch = this.watches.get(jobId);
    if (!watch) return false;
    watch.miner = control;
    return true;
  }

  detachMiner(jobId: string): void {
    const watch = this.watches.get(jobId);
    if (watch) watch.miner = null;
  }

  text(jobId: string, text: string): void {
    const watch = this.watches.get(jobId);
    if (!watch || text.length === 0) return;
    watch.relayed++;
    this.emit(watch, { type: 'text', text });
  }

  completed(jobId: string, job: JobRecord, receipt: Receipt): void {
    const watch = this.watches.get(jobId);
    if (watch) this.emit(watch, { type: 'completed', job, receipt });
  }

  failed(jobId: string, error: ApiError): void {
    const watch = this.watches.get(jobId);
    if (watch) this.emit(watch, { type: 'failed', error });
  }

  /** Asks the miner streaming this job to stop (the client went away); false if none is. */
  stop(jobId: string, reason: string): boolean {
    const miner = this.watches.get(jobId)?.miner;
    miner?.stop(reason);
    return Boolean(miner);
  }

  private emit(watch: Watch, event: StreamEvent): void {
    for (const listener of [...watch.listeners]) listener(event);
  }
}
