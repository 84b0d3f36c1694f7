// Where a coordinator's CPU time goes, from a V8 CPU profile (`AITBC_BENCH_PROFILE=<dir> npm run
// bench -- http` writes one of the `aitbc coordinator` child):
//   node --import tsx bench/profile-summary.ts <file.cpuprofile> [seconds]
// Only the last `seconds` of the profile count (default 8: the measured drive, not start-up and
// warm-up). Each sample goes to the category of the nearest frame on its stack that names one
// (walking from the running function towards the root), so time inside better-sqlite3 called from
// a route counts as SQLite, and a route's own JavaScript as "coordinator code".

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** First match wins, tested against `url function` of each frame from the leaf up. */
const CATEGORIES: [string, RegExp][] = [
  ['garbage collection', /^ \(garbage collector\)$/],
  ['SQLite statements and transactions', /better-sqlite3|\/store\/sqlite\//],
  ['Ed25519 and hashing', /node:internal\/crypto|@noble\/|\/protocol\/dist\/(sign|receipt|hash)/],
  ['canonical JSON', /\/protocol\/dist\/jcs/],
  ['ids', /\/protocol\/dist\/ids/],
  ['logging', /pino/],
  ['metrics', /prom-client|\/services\/metrics/],
  ['schema validation and serialisation', /ajv|fast-json-stringify|fast-uri|\/http\/validation|\/http\/views/],
  ['long-poll wake-up', /\/services\/(work-signal|job-waiter|shared-work-signal)/],
  ['socket writes', /^ (writev|writeBuffer|writeUtf8String|writeLatin1String)$|node:internal\/stream_base_commons/],
  ['HTTP parsing and responses (Node)', /node:_http_|node:internal\/http|^ (parse|execute|consume)$|\/server-edge\//],
  ['Fastify', /\/fastify\/|avvio|find-my-way|light-my-request|fast-content-type-parse|@fastify\//],
  ['coordinator code', /\/coordinator\/dist\//],
];

const [file, secondsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [seconds]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const parent = new Map<number, number>();
const byId = new Map<number, ProfileNode>();
for (const node of profile.nodes) {
  byId.set(node.id, node);
  for (const child of node.children ?? []) parent.set(child, node.id);
}
const categoryOf = new Map<number, string>();
function categorise(id: number): string {
  const known = categoryOf.get(id);
  if (known) return known;
  let category = 'other (Node internals, timers, microtasks)';
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!.callFrame;
    const name = `${frame.url} ${frame.functionName}`;
    const found = CATEGORIES.find(([, pattern]) => pattern.test(name));
    if (found) {
      category = found[0];
      break;
    }
  }
  categoryOf.set(id, category);
  return category;
}

const times: number[] = [];
let clock = 0;
for (const delta of profile.timeDeltas) times.push((clock += delta));
const from = clock - Number(secondsArg ?? 8) * 1e6;
const micros = new Map<string, number>();
let busy = 0;
for (let i = 1; i < profile.samples.length; i++) {
  if (times[i]! < from) continue;
  const name = byId.get(profile.samples[i]!)!.callFrame.functionName;
  if (name === '(idle)') continue;
  const spent = times[i]! - times[i - 1]!;
  const category = name === '(garbage collector)' ? 'garbage collection' : categorise(profile.samples[i]!);
  micros.set(category, (micros.get(category) ?? 0) + spent);
  busy += spent;
}
console.log(`busy ${(busy / 1e6).toFixed(2)} s of the last ${secondsArg ?? 8} s`);
for (const [category, spent] of [...micros].sort((a, b) => b[1] - a[1])) console.log(`${((spent / busy) * 100).toFixed(1).padStart(5)} %  ${category}`);
