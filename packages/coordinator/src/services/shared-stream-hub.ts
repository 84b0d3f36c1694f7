// The stream hub of several coordinators on one database, over the bus (topic `stream`). A
// client's watch lives in its process (A); the miner's socket may be in another (B); its
// complete or fail request may land in a third (C). Each process keeps a LocalStreamHub for its
// own watchers and miners, and the bus joins them:
// - A announces its live watches, so B knows the job is live (the claim says stream: true) and
//   accepts the miner's stream. Only a job submitted live (JobRecord.live) can be watched so:
//   for any other, claims, completions and failures ask nothing. A's announcement is published
//   before the job is submitted; a claim in B that does not know of it sends a message round the
//   bus first (isLive), which comes back after the announcement; a completion or failure in C
//   checks the same way.
// - B numbers the pieces and enforces the per-job limit on what it relays; A shows them in order
//   through a stand-in for the miner (a proxy MinerControl) attached to its local hub, so A's hub
//   holds exactly what its client was shown, and the limit holds there too. A gap in the numbers
//   (a message lost) stops the showing: the completion then differs and is refused, refunded.
// - stop and pause/resume from A's local hub reach B's socket through the proxy.
// - The completion check is A's: C asks it (length and digest of the output) and A answers once
//   the pieces in flight have arrived (or SETTLE_MS passed), then shows nothing more of the job
//   (sealed), so the client is never shown text past what the completion was held to. No answer
//   (A or the bus gone) refuses the completion: what the client saw cannot be confirmed, so it
//   pays nothing. relayedChars is asked the same way; unknown counts as "some" (no retry).
// - Completion and failure are published as `ended`: A's waiter reads the outcome from the store.
// Messages lost while the bus restarts: a watch announcement lost means the miner is not told to
// stream (the client gets the whole answer at the end); a lost piece fails the job as above. When
// the bus is back every process announces its live watches and whether it holds each miner
// paused again, so a lost pause or resume is corrected then (and a client that reads nothing is
// dropped after clientStallMs anyway).

import { randomBytes } from 'node:crypto';
import type { ApiError, Receipt } from '@aitbc/protocol';
import { OutageLog, type Bus, type BusLog } from '../bus/bus.ts';
import type { JobRecord } from '../store/store.ts';
import { LocalStreamHub, textDigest, type Listener, type MinerControl, type StreamHub, type TextOutcome, type WatchedJob } from './stream-hub.ts';

export const STREAM_TOPIC = 'stream';
/** How long A waits for pieces still on the bus before judging a completion. */
export const SETTLE_MS = 2_000;
/** How long C waits for A's answer: the settling plus the bus's round trip, generously. */
const ASK_TIMEOUT_MS = SETTLE_MS + 3_000;
const SETTLE_CHECK_MS = 10;
/** The most a claim waits for the bus to confirm that no client waits live (a slow or absent bus: not live). */
const BARRIER_TIMEOUT_MS = 500;
/** A live watch announced by a process that died without saying so is forgotten after this. */
const REMOTE_WATCH_TTL_MS = 24 * 3_600_000;

type Candidate = { chars: number; digest: string };
type Answer = { shownChars: number; match: boolean | null };

type Message = { job: string; from: string } & (
  | { t: 'watch' | 'unwatch' | 'attached' | 'detached' | 'ended' }
  | { t: 'sync' }
  | { t: 'barrier'; id: string }
  | { t: 'text'; seq: number; text: string }
  | { t: 'flow'; to: string; paused: boolean }
  | { t: 'stop'; to: string; reason: string }
  | { t: 'ask'; id: string; candidate: Candidate | null }
  | { t: 'answer'; to: string; id: string; answer: Answer }
);

/** A miner's stream in this process, relayed to a watcher in another. */
interface Outbound {
  control: MinerControl;
  bytes: number;
  seq: number;
}

/** A miner's stream in another process, shown to this process's watchers. */
interface Inbound {
  from: string;
  proxy: MinerControl;
  expected: number;
  /** A piece went missing (or past the limit): nothing more is shown. */
  broken: boolean;
  open: boolean;
}

export class SharedStreamHub implements StreamHub {
  private readonly local: LocalStreamHub;
  private readonly outage: OutageLog;
  /** Live watchers of this process, per job (announced while > 0). */
  private readonly liveHere = new Map<string, number>();
  /** Jobs watched live in other processes: job → process → when announced. */
  private readonly liveElsewhere = new Map<string, Map<string, number>>();
  private readonly outbound = new Map<string, Outbound>();
  private readonly inbound = new Map<string, Inbound>();
  /** Jobs whose completion check passed here: no more pieces are shown. */
  private readonly sealed = new Set<string>();
  private readonly asks = new Map<string, (answer: Answer | null) => void>();
  /** This process's barrier messages on their way round the bus. */
  private readonly barriers = new Map<string, () => void>();
  private unsubscribe: (() => void) | null = null;
  private forgotAt = 0;

  private constructor(
    maxStreamBytes: number,
    private readonly bus: Bus,
    private readonly processId: string,
    private readonly log: BusLog,
    private readonly now: () => number,
  ) {
    this.local = new LocalStreamHub(maxStreamBytes, log);
    this.outage = new OutageLog(log, 'the bus (stream hub)');
  }

  static async open(maxStreamBytes: number, bus: Bus, processId: string, log: BusLog, now: () => number = Date.now): Promise<SharedStreamHub> {
    const hub = new SharedStreamHub(maxStreamBytes, bus, processId, log, now);
    hub.unsubscribe = await bus.subscribe(STREAM_TOPIC, (text) => hub.received(JSON.parse(text) as Message));
    bus.onReconnect(() => {
      hub.send({ t: 'sync', job: '' });
      hub.announceWatches();
    });
    return hub;
  }

  get maxStreamBytes(): number {
    return this.local.maxStreamBytes;
  }

  get stopping(): boolean {
    return this.local.stopping;
  }

  async watch(jobId: string, live: boolean, listener: Listener): Promise<() => void> {
    const unwatch = this.local.watchNow(jobId, live, listener);
    if (live) {
      const count = this.liveHere.get(jobId) ?? 0;
      this.liveHere.set(jobId, count + 1);
      // Published before the job is submitted, so the miner's process knows before it can claim.
      if (count === 0) await this.send({ t: 'watch', job: jobId });
    }
    let watching = true;
    return () => {
      if (!watching) return;
      watching = false;
      unwatch();
      if (live) {
        const left = this.liveHere.get(jobId)! - 1;
        if (left > 0) this.liveHere.set(jobId, left);
        else {
          this.liveHere.delete(jobId);
          void this.send({ t: 'unwatch', job: jobId });
        }
      }
      if (!this.local.watching(jobId)) {
        this.inbound.delete(jobId);
        this.sealed.delete(jobId);
      }
    };
  }

  /**
   * Asked when a miner claims the job. The watch was announced before the job was submitted, so
   * a message this process sends itself now comes back after that announcement (Redis writes to
   * a subscriber in order; NOTIFY delivers in commit order): once it is back, this process knows.
   */
  /** A job not submitted live has no watcher of its pieces anywhere: nothing to ask round the bus. */
  async isLive(job: WatchedJob): Promise<boolean> {
    return job.live && (await this.isLiveById(job.jobId));
  }

  private async isLiveById(jobId: string): Promise<boolean> {
    if (this.local.isLiveHere(jobId) || this.liveElsewhere.has(jobId)) return true;
    await this.barrier();
    return this.liveElsewhere.has(jobId);
  }

  async relayedChars(job: WatchedJob): Promise<number | null> {
    const { jobId } = job;
    if (this.local.watching(jobId)) return this.local.shownChars(jobId);
    if (!(await this.isLive(job))) return 0;
    return (await this.ask(jobId, null))?.shownChars ?? null;
  }

  async matchesRelayed(job: WatchedJob, output: string): Promise<boolean> {
    const { jobId } = job;
    if (this.local.watching(jobId)) {
      await this.settle(jobId, output.length);
      return this.sealIf(jobId, this.local.shows(jobId, output));
    }
    if (!(await this.isLive(job))) return true;
    // Nobody answered: what the client saw cannot be confirmed, so this output is not paid for.
    return (await this.ask(jobId, { chars: output.length, digest: textDigest(output) }))?.match ?? false;
  }

  /** The miner may dial a process other than the one it claimed in: that one learns of the watch the same way. */
  async attachMiner(jobId: string, control: MinerControl): Promise<boolean> {
    if (this.local.isLiveHere(jobId)) return this.local.attachMinerHere(jobId, control);
    if (this.local.stopping || !(await this.isLiveById(jobId))) return false;
    this.outbound.set(jobId, { control, bytes: 0, seq: 0 });
    void this.send({ t: 'attached', job: jobId });
    return true;
  }

  detachMiner(jobId: string, control: MinerControl): void {
    this.local.detachMiner(jobId, control);
    if (this.outbound.get(jobId)?.control !== control) return;
    this.outbound.delete(jobId);
    void this.send({ t: 'detached', job: jobId });
  }

  text(jobId: string, text: string): TextOutcome {
    const outbound = this.outbound.get(jobId);
    if (!outbound) return this.sealed.has(jobId) ? 'relayed' : this.local.text(jobId, text);
    const bytes = Buffer.byteLength(text);
    if (outbound.bytes + bytes > this.maxStreamBytes) return 'over_limit';
    if (text.length === 0) return 'relayed';
    outbound.bytes += bytes;
    void this.send({ t: 'text', job: jobId, seq: outbound.seq++, text });
    return 'relayed';
  }

  completed(jobId: string, job: JobRecord, receipt: Receipt): void {
    this.local.completed(jobId, job, receipt);
    void this.send({ t: 'ended', job: jobId });
  }

  failed(jobId: string, error: ApiError): void {
    this.local.failed(jobId, error);
    void this.send({ t: 'ended', job: jobId });
  }

  stop(jobId: string, reason: string): boolean {
    return this.local.stop(jobId, reason);
  }

  hold(jobId: string): () => void {
    return this.local.hold(jobId);
  }

  shutdown(error: ApiError): void {
    this.local.shutdown(error);
  }

  /** Stops listening; this process's watchers are ended by shutdown, its miners' sockets by the server. */
  close(): void {
    this.unsubscribe?.();
    for (const resolve of this.asks.values()) resolve(null); // unanswered: unknown, as after a timeout
    for (const pass of this.barriers.values()) pass();
  }

  /** Publishes; a bus that is down is logged once per outage, and the caller goes on. */
  private async send(message: { t: Message['t']; job: string } & Record<string, unknown>): Promise<void> {
    try {
      await this.bus.publish(STREAM_TOPIC, JSON.stringify({ ...message, from: this.processId }));
      this.outage.succeeded();
    } catch (error) {
      this.outage.failed(error);
    }
  }

  /** What the others must know of this process's watches, again (after the bus lost messages). */
  private announceWatches(): void {
    for (const jobId of this.liveHere.keys()) void this.send({ t: 'watch', job: jobId });
    for (const [jobId, inbound] of this.inbound) if (inbound.open) void this.send({ t: 'flow', job: jobId, to: inbound.from, paused: this.local.isHeld(jobId) });
  }

  /** Resolves when a message sent now has come back (or after BARRIER_TIMEOUT_MS, the bus being slow or away). */
  private barrier(): Promise<void> {
    const id = randomBytes(8).toString('hex');
    return new Promise((resolve) => {
      const passed = () => {
        clearTimeout(timer);
        this.barriers.delete(id);
        resolve();
      };
      const timer = setTimeout(passed, BARRIER_TIMEOUT_MS);
      this.barriers.set(id, passed);
      void this.send({ t: 'barrier', job: '', id }).then(() => {
        if (this.outage.isDown) passed();
      });
    });
  }

  private ask(jobId: string, candidate: Candidate | null): Promise<Answer | null> {
    const id = randomBytes(8).toString('hex');
    return new Promise((resolve) => {
      const timer = setTimeout(() => answered(null), ASK_TIMEOUT_MS);
      const answered = (answer: Answer | null) => {
        clearTimeout(timer);
        this.asks.delete(id);
        resolve(answer);
      };
      this.asks.set(id, answered);
      void this.send({ t: 'ask', job: jobId, id, candidate });
    });
  }

  /** Waits while the miner's stream from another process is open and has not yet shown `chars`. */
  private async settle(jobId: string, chars: number): Promise<void> {
    const giveUpAt = this.now() + SETTLE_MS;
    for (;;) {
      const inbound = this.inbound.get(jobId);
      if (!inbound?.open || inbound.broken || this.local.shownChars(jobId) >= chars || this.now() >= giveUpAt) return;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_CHECK_MS));
    }
  }

  private sealIf(jobId: string, match: boolean): boolean {
    if (match) this.sealed.add(jobId);
    return match;
  }

  private received(message: Message): void {
    if (message.from === this.processId) {
      if (message.t === 'barrier') this.barriers.get(message.id)?.();
      return;
    }
    const { job } = message;
    switch (message.t) {
      case 'sync':
        return this.announceWatches();
      case 'barrier':
        return;
      case 'watch': {
        this.forgetOldWatches();
        let processes = this.liveElsewhere.get(job);
        if (!processes) this.liveElsewhere.set(job, (processes = new Map()));
        processes.set(message.from, this.now());
        return;
      }
      case 'unwatch': {
        const processes = this.liveElsewhere.get(job);
        processes?.delete(message.from);
        if (processes?.size !== 0) return;
        this.liveElsewhere.delete(job);
        // Nobody waits any more: like a local hub whose watch ended, pieces are not relayed.
        this.outbound.delete(job);
        return;
      }
      case 'attached':
        return this.attachProxy(job, message.from);
      case 'detached': {
        const inbound = this.inbound.get(job);
        if (inbound?.from !== message.from) return;
        inbound.open = false;
        this.local.detachMiner(job, inbound.proxy);
        return;
      }
      case 'text':
        return this.show(job, message.from, message.seq, message.text);
      case 'flow':
        if (message.to === this.processId) this.tellMiner(job, (control) => (message.paused ? control.pause() : control.resume()));
        return;
      case 'stop':
        if (message.to === this.processId) this.tellMiner(job, (control) => control.stop(message.reason));
        return;
      case 'ended':
        this.liveElsewhere.delete(job);
        this.local.ended(job);
        return;
      case 'ask':
        if (this.local.watching(job)) void this.answer(job, message.from, message.id, message.candidate);
        return;
      case 'answer':
        if (message.to === this.processId) this.asks.get(message.id)?.(message.answer);
        return;
    }
  }

  /** A miner's stream opened elsewhere for a job watched here: a stand-in for it joins the local hub. */
  private attachProxy(jobId: string, from: string): void {
    if (!this.local.isLiveHere(jobId)) return;
    const proxy: MinerControl = {
      stop: (reason) => void this.send({ t: 'stop', job: jobId, to: from, reason }),
      pause: () => void this.send({ t: 'flow', job: jobId, to: from, paused: true }),
      resume: () => void this.send({ t: 'flow', job: jobId, to: from, paused: false }),
    };
    if (this.local.attachMinerHere(jobId, proxy)) this.inbound.set(jobId, { from, proxy, expected: 0, broken: false, open: true });
  }

  private show(jobId: string, from: string, seq: number, text: string): void {
    const inbound = this.inbound.get(jobId);
    if (inbound?.from !== from || inbound.broken || this.sealed.has(jobId)) return;
    if (seq !== inbound.expected || this.local.text(jobId, text) !== 'relayed') {
      inbound.broken = true;
      this.log.warn({ job_id: jobId }, 'a piece of a stream relayed from another coordinator was lost or over the limit; the rest is not shown and the completion will be refused');
      return;
    }
    inbound.expected++;
  }

  private tellMiner(jobId: string, act: (control: MinerControl) => void): void {
    const outbound = this.outbound.get(jobId);
    if (!outbound) return;
    try {
      act(outbound.control);
    } catch (error) {
      this.log.error({ err: error, job_id: jobId }, 'telling the miner failed');
    }
  }

  private async answer(jobId: string, to: string, id: string, candidate: Candidate | null): Promise<void> {
    let answer: Answer;
    if (candidate) {
      await this.settle(jobId, candidate.chars);
      const match = this.sealIf(jobId, this.local.showsDigest(jobId, candidate.chars, candidate.digest));
      answer = { shownChars: this.local.shownChars(jobId), match };
    } else answer = { shownChars: this.local.shownChars(jobId), match: null };
    await this.send({ t: 'answer', job: jobId, to, id, answer });
  }

  /** At most once a minute, so that a burst of watches does not scan them all each time. */
  private forgetOldWatches(): void {
    if (this.now() - this.forgotAt < 60_000) return;
    this.forgotAt = this.now();
    const oldest = this.now() - REMOTE_WATCH_TTL_MS;
    for (const [jobId, processes] of this.liveElsewhere) {
      for (const [process, at] of processes) if (at < oldest) processes.delete(process);
      if (processes.size === 0) this.liveElsewhere.delete(jobId);
    }
  }
}
