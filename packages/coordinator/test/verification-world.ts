// A small market for the verification tests: a coordinator on a manual clock with the rates a
// test sets (0 or 1, never luck), a funded client and verification account, and miners of
// different owners that answer like the demo backend (a pure function of prompt and seed), or
// with other text when told to cheat. No probation unless a test sets one, so that any miner
// may run re-executions and tie-breaks (`mayVerify`) from its first job.

import assert from 'node:assert/strict';
import { paramsHash } from '@aitbc/protocol';
import { ManualClock } from '@aitbc/testkit';
import { ADMIN_KEY, NO_CHECKS, startTestCoordinator, submitBody, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';
import type { CoordinatorConfig } from '../src/config.ts';
import type { CoordinatorStore } from '../src/store/store.ts';
import type { AuditedStore } from '../src/store/open-store.ts';
import type { VerificationSettings } from '../src/verification/settings.ts';

/** A store whose `method` throws once, as if the process died there; every later call goes through. */
export function crashOnceAt(method: keyof CoordinatorStore): (store: AuditedStore) => CoordinatorStore {
  let crashes = 1;
  return (store) =>
    new Proxy(store, {
      get(target, name) {
        if (name === method && crashes > 0) {
          return async () => {
            crashes--;
            throw new Error('the process died here');
          };
        }
        const value = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
}

export const DIGEST = `sha256:${'a1'.repeat(32)}`;
export const VERIFIER = 'verification';

/** What an honest demo-like backend answers: the same for the same prompt and seed, anywhere. */
export const honest = (claim: { prompt: string; params: { seed?: number } }): string => `echo: ${claim.prompt} (seed ${claim.params.seed})`;
export const cheat = (): string => 'a cheaper model said something else';

export interface Claimed {
  job_id: string;
  prompt: string;
  params: { seed?: number };
  client: string;
  receipt_template: Record<string, unknown>;
  [field: string]: unknown;
}

export class Runner {
  answer: (claim: Claimed) => string = honest;
  constructor(readonly miner: TestMiner) {}
  get id(): string {
    return this.miner.minerId;
  }
}

export class World {
  readonly clock = new ManualClock();
  coordinator!: TestCoordinator;
  clientKey!: string;
  /** The coordinator's own settings object: `setRates` changes what the next completion plans. */
  private settings!: VerificationSettings;

  static async start(settings: Partial<VerificationSettings>, wrapStore?: (store: AuditedStore) => CoordinatorStore, config: Partial<CoordinatorConfig> = {}): Promise<World> {
    const world = new World();
    world.settings = { ...NO_CHECKS, probationJobs: 0, account: VERIFIER, ...settings };
    world.coordinator = await startTestCoordinator(
      // Only the test's own sweepOnce() decides pending checks.
      { now: world.clock.now, leaseSeconds: 600, sweepIntervalMs: 3_600_000, verification: world.settings, ...config },
      wrapStore,
    );
    world.clientKey = await world.coordinator.createClient('alice', '1000');
    assert.equal((await world.coordinator.credit(VERIFIER, '1000')).status, 200);
    return world;
  }

  /** From now on (a test builds the pool with re-executions, then turns to canaries). */
  setRates(rates: Pick<VerificationSettings, 'reexecutionRate' | 'probationReexecutionRate' | 'canaryRate' | 'probationCanaryRate'>): void {
    Object.assign(this.settings, rates);
  }

  /** A miner of its own owner (its own miner key) advertising DIGEST. */
  async miner(minerId: string): Promise<Runner> {
    const miner = new TestMiner(this.coordinator, await this.coordinator.createKey(['miner']), minerId, { 'llama3.2': '0.002' });
    const registered = await miner.register({ digests: { 'llama3.2': DIGEST } });
    assert.equal(registered.status, 201, registered.text);
    return new Runner(miner);
  }

  async submit(extra: Record<string, unknown> = {}, key = this.clientKey): Promise<string> {
    const answer = await this.coordinator.request('POST', '/v1/jobs', { key, body: submitBody({ prompt: `question ${Math.random()}`, ...extra }) });
    assert.equal(answer.status, 201, answer.text);
    return answer.body.job_id;
  }

  /** One poll; the claim, or null when there was nothing for this miner. */
  async poll(runner: Runner): Promise<Claimed | null> {
    const answer = await runner.miner.poll(0);
    if (answer.status === 204) return null;
    assert.equal(answer.status, 200, answer.text);
    return answer.body as Claimed;
  }

  /** Completes a claim with the runner's answer and a version-2 receipt. */
  async complete(runner: Runner, claim: Claimed): Promise<void> {
    const output = runner.answer(claim);
    const body = runner.miner.completion(claim as never, output, { prompt_tokens: 5, completion_tokens: output.split(' ').length }, this.clock.now(), {
      model_digest: DIGEST,
      backend: 'demo',
      params_hash: paramsHash(claim.params),
    });
    const done = await runner.miner.complete(claim.job_id, body);
    assert.equal(done.status, 200, done.text);
  }

  /** Polls and completes one job; the claim, or null. */
  async work(runner: Runner): Promise<Claimed | null> {
    const claim = await this.poll(runner);
    if (claim) await this.complete(runner, claim);
    return claim;
  }

  /** The runners take turns until none finds work; returns every claim in order. */
  async drain(...runners: Runner[]): Promise<{ runner: Runner; claim: Claimed }[]> {
    const done: { runner: Runner; claim: Claimed }[] = [];
    for (let round = 0; round < 50; round++) {
      let worked = false;
      for (const runner of runners) {
        const claim = await this.work(runner);
        if (claim) {
          done.push({ runner, claim });
          worked = true;
        }
      }
      if (!worked) return done;
    }
    throw new Error('the runners never ran out of work');
  }

  async job(jobId: string) {
    const job = await this.coordinator.store.getJob(jobId);
    assert.ok(job, `job ${jobId}`);
    return job;
  }

  async publicMiner(minerId: string) {
    const answer = await this.coordinator.request('GET', `/v1/miners/${minerId}`);
    assert.equal(answer.status, 200, answer.text);
    return answer.body;
  }

  async checks(minerId?: string) {
    const answer = await this.coordinator.request('GET', `/v1/admin/checks${minerId ? `?miner_id=${minerId}` : ''}`, { key: ADMIN_KEY });
    assert.equal(answer.status, 200, answer.text);
    return answer.body.items as { check_id: number; kind: string; miner_id: string; subject_job_id: string | null; check_job_id: string; tiebreak_job_ids: string[]; failed_miner_ids: string[]; verdict: string | null; detail: string | null }[];
  }

  async poolSize(): Promise<number> {
    return Number((await this.coordinator.query('SELECT count(*) AS n FROM canaries'))[0]!.n);
  }

  async close(): Promise<void> {
    await this.coordinator.assertLedger();
    await this.coordinator.close();
  }
}
