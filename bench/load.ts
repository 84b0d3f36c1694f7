// Shared by the measurements: the load generator (keep-alive HTTP/1.1 with JSON bodies, N
// concurrent loops for a fixed time, counting what completed) and servers in their own process.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';

export interface JsonAnswer {
  status: number;
  body: any;
}

export function jsonClient(base: string, connections: number) {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  return (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = httpRequest(
        { host: url.hostname, port: url.port, method, path, agent, headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
}

/** Runs `loops` copies of `step` for `seconds`; returns completed steps per second (a step returning a number counts as that many). */
export async function drive(loops: number, seconds: number, step: (loop: number) => Promise<number | void>): Promise<{ count: number; perSecond: number }> {
  const until = performance.now() + seconds * 1000;
  let count = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      while (performance.now() < until) {
        // Awaited first, then added: `count += await …` would read count before the await, and
        // concurrent loops would overwrite each other's increments.
        const completed = (await step(loop)) ?? 1;
        count += completed;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { count, perSecond: count / elapsed };
}

/** Starts `node <args>` and resolves with its URL once it says where it listens. */
export function spawnServer(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve({ url: match[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
}

/**
 * CPU time (user + system) a process has used so far, from /proc (Linux), in ms. Per lifecycle it
 * is steadier than lifecycles/s on a shared machine, where other work takes the cores.
 */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return Number.NaN; // not Linux
  }
}
