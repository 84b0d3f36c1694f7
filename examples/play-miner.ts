// Plays a miner by hand so a person can watch one job go through: registers a fresh Ed25519 key,
// long-polls for a job, "runs" it (echoes the prompt back: this is not a model), builds and signs
// the receipt from the claim's template, completes the job and prints every step.
//
//   npx tsx examples/play-miner.ts --url http://127.0.0.1:8080 --key <miner key> [--miner-id demo-1] [--model llama3.2] [--price 0.002] [--jobs 1]

import { parseArgs } from 'node:util';
import { base64urlEncode, completeReceipt, generateKeyPair, parseAmount, signReceipt } from '@aitbc/protocol';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.AITBC_URL ?? 'http://127.0.0.1:8080' },
    key: { type: 'string', default: process.env.AITBC_MINER_KEY },
    'miner-id': { type: 'string', default: 'play-miner-1' },
    model: { type: 'string', default: 'llama3.2' },
    price: { type: 'string', default: '0.002' },
    jobs: { type: 'string', default: '1' },
  },
});
if (!values.key) {
  console.error('Give a key with scope miner: --key <key> (or AITBC_MINER_KEY). Create one with POST /v1/admin/keys {"scopes":["miner"]}.');
  process.exit(2);
}
const minerId = values['miner-id']!;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(values.url + path, {
    method,
    headers: { 'x-api-key': values.key!, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (response.status >= 400) {
    console.error(`${method} ${path} → ${response.status} ${parsed?.error_code}: ${parsed?.detail} (request ${parsed?.request_id})`);
    process.exit(1);
  }
  return { status: response.status, body: parsed };
}

const keys = generateKeyPair();
const registered = await call('POST', '/v1/miners/register', {
  miner_id: minerId,
  public_key: base64urlEncode(keys.publicKey),
  models: [values.model],
  prices: { [values.model!]: values.price },
});
console.log(`registered ${minerId} (${registered.status}): payout ${registered.body.payout_address}, ${values.model} at ${values.price} AITBC/token`);

for (let done = 0; done < Number(values.jobs); ) {
  console.log('polling for a job (up to 20 s)…');
  const poll = await call('POST', '/v1/miners/poll', { miner_id: minerId, wait_seconds: 20 });
  if (poll.status === 204) continue;
  const job = poll.body;
  console.log(`claimed ${job.job_id} (attempt ${job.attempt}): "${job.prompt.slice(0, 60)}"; lease until ${job.lease_expires_at}`);
  const startedAt = Date.now();
  const output = `[play-miner echo] ${job.prompt}`;
  // Whitespace-separated words stand in for tokens.
  const usage = { prompt_tokens: job.prompt.split(/\s+/).filter(Boolean).length, completion_tokens: output.split(/\s+/).filter(Boolean).length };
  const unsigned = completeReceipt(job.receipt_template, {
    units: BigInt(usage.prompt_tokens + usage.completion_tokens),
    maxPriceMicro: parseAmount(job.max_price),
    output,
    startedAt,
    completedAt: Date.now(),
  });
  const receipt = signReceipt(unsigned, 'miner', keys.secretKey);
  console.log(`signed receipt ${receipt.receipt_id}: ${receipt.units} tokens × ${receipt.unit_price} = ${receipt.price} AITBC`);
  const completed = await call('POST', `/v1/jobs/${job.job_id}/complete`, { miner_id: minerId, output, usage, receipt });
  console.log(`completed ${completed.body.job_id}: status ${completed.body.status}, price ${completed.body.price}`);
  done++;
}
