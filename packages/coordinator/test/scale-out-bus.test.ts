// Two coordinators on one database file, joined by a bus: over Redis, and again over PostgreSQL's
// LISTEN/NOTIFY (a throwaway database: the bus needs only a connection). A miner waiting on A is
// woken by a job submitted to B; a key revoked on A is refused by B at once; a client streaming
// from A is shown the pieces of a miner streaming into B and its completion landing on B, and a
// completion that differs from what it was shown is refused; a client that hangs up on A stops the miner's socket on B; with Redis, a
// key's rate limit holds across A and B together.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { parseAmount } from '@aitbc/protocol';
import type { CoordinatorConfig } from '@aitbc/coordinator';
import { ADMIN_KEY, startTestCoordinator, submitBody, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { until } from '@aitbc/testkit';
import { createTestDatabase } from '@aitbc/testkit/postgres';
import { claimJob, dialStream, errorEvent, openChatStream, readEvents, streamingMiner, streamThenComplete } from '@aitbc/testkit/streams';

const REDIS_URL = 'redis://127.0.0.1:6379';

interface BusUnderTest {
  name: string;
  sharesRateLimits: boolean;
  /** The config that makes coordinators share this bus, and how to clean up after it. */
  open(namespace: string): Promise<{ config: Partial<CoordinatorConfig>; drop(): Promise<void> }>;
}

const buses: BusUnderTest[] = [
  {
    name: 'Redis',
    sharesRateLimits: true,
    async open(namespace) {
      return {
        config: { redisUrl: REDIS_URL, sharedNamespace: namespace },
        async drop() {
          const redis = new Redis(REDIS_URL);
          const keys = await redis.keys(`${namespace}:*`);
          if (keys.length > 0) await redis.del(...keys);
          redis.disconnect();
        },
      };
    },
  },
  {
    name: 'PostgreSQL LISTEN/NOTIFY',
    sharesRateLimits: false,
    async open(namespace) {
      const database = await createTestDatabase();
      return { config: { databaseUrl: database.url, sharedNamespace: namespace }, drop: () => database.drop() };
    },
  },
];

for (const bus of buses) {
  describe(`two coordinators on one database, joined over ${bus.name}`, () => {
    let a: TestCoordinator;
    let b: TestCoordinator;
    let drop: () => Promise<void>;

    before(async () => {
      const opened = await bus.open(`aitbc_t_${randomBytes(6).toString('hex')}`);
      drop = opened.drop;
      // Cached keys and miners never lapse on their own here: only the bus can drop B's copy.
      a = await startTestCoordinator({ ...opened.config, recordCacheMs: 3_600_000 });
      b = await startTestCoordinator({ ...opened.config, recordCacheMs: 3_600_000 }, undefined, a);
    });

    after(async () => {
      await b?.close();
      await a?.close();
      await drop?.();
    });

    // A long-poll also re-checks the store every 2 s, which would find the job too: the wake-up
    // is told from that re-check by A's work signal having been notified (from B, over the bus).
    test('a miner long-polling A is woken by a job submitted to B', async () => {
      const miner = new TestMiner(a, await a.createKey(['miner']), 'waiting-on-a');
      assert.equal((await miner.register()).status, 201);
      const polled = miner.poll(30);
      await until(() => a.services.signal.waiting === 1, 'the miner to wait in A');
      const notifiedBefore = a.services.signal.generation;
      const client = await b.createClient('submits-to-b', '10');
      const submitted = await b.request('POST', '/v1/jobs', { key: client, body: submitBody() });
      assert.equal(submitted.status, 201, submitted.text);
      const claim = await polled;
      assert.equal(claim.status, 200, claim.text);
      assert.equal(claim.body.job_id, submitted.body.job_id);
      assert.ok(a.services.signal.generation > notifiedBefore, "B's notify reached A's waiting miner");
    });

    test('a key revoked on A stops working on B, though B had it cached', async () => {
      const created = await a.request('POST', '/v1/admin/keys', { key: ADMIN_KEY, body: { scopes: ['client'] } });
      const key = created.body.key as string;
      assert.equal((await b.request('GET', '/v1/jobs', { key })).status, 200);
      assert.equal((await a.request('DELETE', `/v1/admin/keys/${created.body.key_id}`, { key: ADMIN_KEY })).status, 204);
      const refused = await until(async () => {
        const answer = await b.request('GET', '/v1/jobs', { key });
        return answer.status === 401 ? answer : null;
      }, 'B to refuse the revoked key');
      assert.equal(refused.body.error_code, 'AUTH_INVALID_KEY');
    });

    test("a client streaming from A is shown the pieces of a miner streaming into B, then the completion landing on B", async () => {
      const miner = await streamingMiner(b.request, await b.createKey(['miner']), 'streams-into-b');
      const key = await a.createClient('watches-on-a', '10');
      const reader = readEvents(await openChatStream(a.url, key, 'Say hello'));
      const claim = await claimJob(miner);
      assert.equal(claim.stream, true, 'B knows that a client on A waits for the pieces');
      const stream = await dialStream(b.url, miner, claim.job_id);
      await stream.text('Hel');
      await until(() => reader.text() === 'Hel', 'the client on A to be shown the first piece');
      // A piece far over one NOTIFY's 8000 bytes crosses PostgreSQL in parts.
      const long = `lo, ${'wörld 😀 '.repeat(3_000)}`;
      await stream.text(long);
      await stream.text('!');
      const whole = `Hel${long}!`;
      await until(() => reader.text() === whole, 'the pieces in order');
      await stream.end();
      const completed = await miner.complete(claim.job_id, miner.completion(claim, whole));
      assert.equal(completed.status, 200, completed.text);
      await reader.done;
      assert.equal(reader.text(), whole, 'nothing shown twice or left out');
      assert.equal(errorEvent(reader.events), undefined);
      assert.equal(reader.events.at(-1), '[DONE]');
      await a.assertLedger();
    });

    test('a completion on B that differs from what the client on A was shown is refused, and the client pays nothing', async () => {
      const miner = await streamingMiner(b.request, await b.createKey(['miner']), 'cheats-on-b');
      const key = await a.createClient('shown-yes', '10');
      const { reader, claim, answer: refused } = await streamThenComplete({ url: a.url, key }, miner, b.url, 'YES', 'NO');
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error_code, 'VALIDATION_INVALID_FORMAT');
      assert.equal(refused.body.field, 'output');
      assert.match(refused.body.detail, /3 characters were relayed/);
      await reader.done;
      assert.equal(reader.text(), 'YES');
      assert.equal(errorEvent(reader.events)?.error_code, 'SYSTEM_UPSTREAM_ERROR');
      assert.equal((await a.store.getJob(claim.job_id))?.status, 'failed');
      assert.equal((await a.store.getAccount('shown-yes')).availableMicro, parseAmount('10'));
      await a.assertLedger();
    });

    test("a client that hangs up on A stops the miner's socket on B; what it was shown is what it pays for", async () => {
      const miner = await streamingMiner(b.request, await b.createKey(['miner']), 'told-to-stop-on-b');
      const key = await a.createClient('leaves-a', '10');
      // The miner on B ends its stream only once told to stop.
      const { answer: completed } = await streamThenComplete({ url: a.url, key }, miner, b.url, 'Partial', 'Partial', true);
      assert.equal(completed.status, 200, completed.text);
      await a.assertLedger();
    });

    if (bus.sharesRateLimits) {
      test('a key limited to 4 requests a minute gets 4 across A and B together; the 5th, on either, is refused', async () => {
        const key = await a.createKey(['client'], { account: 'limited', rate_limit_per_minute: 4 });
        const statuses: number[] = [];
        for (const coordinator of [a, b, a, b]) statuses.push((await coordinator.request('GET', '/v1/account', { key })).status);
        assert.deepEqual(statuses, [200, 200, 200, 200]);
        for (const coordinator of [a, b]) {
          const refused = await coordinator.request('GET', '/v1/account', { key });
          assert.equal(refused.status, 429);
          assert.equal(refused.body.error_code, 'RATE_LIMIT_EXCEEDED');
        }
      });
    }
  });
}
