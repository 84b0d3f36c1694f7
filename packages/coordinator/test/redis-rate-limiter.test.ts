// Rate limits in Redis: the same buckets as in memory, shared by every limiter on the server;
// when Redis goes away each process falls back to its own buckets (said once, not per request)
// and returns to Redis when it is back. A Redis server of the test's own is stopped and started
// again on its port; a coordinator pointed at a closed port still serves, limits per process.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freePort, until } from '@aitbc/testkit';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';
import { RedisRateLimiter } from '../src/services/redis-rate-limiter.ts';
import { TokenBuckets } from '../src/services/token-bucket.ts';

const servers = new Set<ChildProcess>();
after(() => {
  for (const server of servers) server.kill('SIGKILL');
});

/** A redis-server of this test only, without persistence, on `port`. */
async function startRedis(port: number): Promise<ChildProcess> {
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  servers.add(server);
  let output = '';
  server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until(() => output.includes('Ready to accept connections'), 'redis-server to start', 10_000);
  return server;
}

async function stopRedis(server: ChildProcess): Promise<void> {
  servers.delete(server);
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  server.kill('SIGKILL');
  await exited;
}

function recordingLog() {
  const warnings: string[] = [];
  const notes: string[] = [];
  return { warnings, notes, log: { warn: (_: object, message: string) => warnings.push(message), info: (_: object, message: string) => notes.push(message), error: () => undefined } as never };
}

test('two limiters on one Redis share a bucket with the in-memory arithmetic; down, each falls back (said once); back, they share again', async () => {
  const port = await freePort();
  let server = await startRedis(port);
  const url = `redis://127.0.0.1:${port}`;
  let now = 1_000_000;
  const clock = () => now;
  const { warnings, notes, log } = recordingLog();
  const first = await RedisRateLimiter.connect(url, 'rl', clock, log);
  const second = await RedisRateLimiter.connect(url, 'rl', clock, recordingLog().log);
  const reference = new TokenBuckets(clock);
  const direct = new Redis(url);
  // A limiter not yet connected answers from its own buckets: wait until each one's bucket is in Redis.
  const reachesRedis = async (limiter: RedisRateLimiter, key: string) => {
    await limiter.take(key, 100);
    return (await direct.exists(`rl:rate:${key}`)) === 1;
  };
  try {
    await until(() => reachesRedis(first, 'warm-up-1'), 'the first limiter to reach Redis');
    await until(() => reachesRedis(second, 'warm-up-2'), 'the second limiter to reach Redis');
    // 3 a minute, alternating limiters, against one in-memory bucket fed the same requests.
    const shared = [];
    const alone = [];
    for (const [index, limiter] of [first, second, first, second].entries()) {
      if (index === 3) now += 20_000; // one token back
      shared.push(await limiter.take('key', 3));
      alone.push(await reference.take('key', 3));
    }
    assert.deepEqual(
      shared.map((verdict) => verdict.allowed),
      [true, true, true, true],
    );
    const fourth = await second.take('key', 3);
    assert.deepEqual(fourth, await reference.take('key', 3), 'the same verdict, retry-after and reset as in memory');
    assert.equal(fourth.allowed, false);
    assert.deepEqual(shared, alone);

    await stopRedis(server);
    for (let request = 0; request < 4; request++) await first.take('down', 2);
    const fallback = await first.take('down', 2);
    assert.equal(fallback.allowed, false, 'the fallback buckets still limit');
    assert.equal(warnings.length, 1, 'the outage is said once');
    assert.match(warnings[0]!, /unreachable/);

    server = await startRedis(port);
    await until(() => reachesRedis(first, 'back'), 'the limiter to use Redis again');
    assert.equal(notes.length, 1, 'the return is said once');
    assert.ok((await first.take('down', 2)).allowed, "Redis's fresh bucket counts, not the fallback's exhausted one");
  } finally {
    direct.disconnect();
    await first.close();
    await second.close();
    await stopRedis(server).catch(() => undefined);
  }
});

test('a coordinator whose Redis is unreachable starts, serves, and still limits each key in its own process', async () => {
  const closedPort = await freePort();
  const coordinator = await startTestCoordinator({ redisUrl: `redis://127.0.0.1:${closedPort}` });
  try {
    const key = await coordinator.createClient('no-redis', '10', { rate_limit_per_minute: 2 });
    const statuses = [];
    for (let request = 0; request < 3; request++) statuses.push((await coordinator.request('GET', '/v1/account', { key })).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    const other = await coordinator.createClient('still-served', '10');
    const submitted = await coordinator.request('POST', '/v1/jobs', { key: other, body: { model: 'llama3.2', prompt: 'hi', max_price: '1' } });
    assert.notEqual(submitted.status, 500, submitted.text);
    assert.ok(submitted.status < 500, submitted.text);
  } finally {
    await coordinator.close();
  }
});
