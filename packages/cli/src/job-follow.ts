// `aitbc job submit --wait`: the job followed to its end in the terminal. The output is printed as
// the miner produces it (the coordinator's streamed completion), then the tokens, the time taken,
// the price and the verified receipt. Ctrl-C cancels a queued job (its escrow comes back) or says
// how to follow a running one, and exits 130 (EXIT.INTERRUPTED).

import { AitbcError, ConflictError, type AitbcClient, type Job, type JobResult, type SubmitJobParameters } from '@aitbc/sdk';
import { EXIT } from './exit-codes.ts';
import type { ConnectionFlags } from './connection.ts';
import { costLine, printJson, statusLine } from './output.ts';
import { describeVerdict } from './commands/receipt.ts';

/** Prints a finished job: its output (unless streamed already), then tokens, time, price and the receipt's verdict. */
export async function printResult(client: AitbcClient, result: JobResult, flags: ConnectionFlags, shown: { verify: boolean; outputShown?: boolean; elapsedMs?: number }): Promise<void> {
  const verdict = shown.verify ? await client.receipts.verify(result.receipt) : null;
  if (flags.json) return printJson(verdict ? { ...result, verification: verdict } : result);
  process.stdout.write(shown.outputShown ? '\n\n' : `${result.output}\n\n`);
  process.stdout.write(`${costLine(result.job_id, result.usage, result.price, shown.elapsedMs)}\n`);
  process.stdout.write(`receipt ${result.receipt.receipt_id}${verdict ? `: ${describeVerdict(verdict)}` : ''}\n`);
}

/**
 * Submits and follows the job. It streams through the OpenAI-compatible route, which takes
 * neither a pinned miner nor a deadline: a job with --miner-id or --ttl is polled instead.
 */
export async function submitAndFollow(client: AitbcClient, parameters: SubmitJobParameters, flags: ConnectionFlags): Promise<void> {
  const started = Date.now();
  const streams = parameters.miner_id === undefined && parameters.ttl_seconds === undefined;
  const status = flags.json ? null : statusLine();
  const hangUp = new AbortController();
  let jobId: string | null = null;
  const onInterrupt = () => {
    // A second Ctrl-C leaves at once.
    process.once('SIGINT', () => process.exit(EXIT.INTERRUPTED));
    status?.done();
    void stopWaiting(client, jobId, streams, flags).finally(() => {
      hangUp.abort();
      process.exit(EXIT.INTERRUPTED);
    });
  };
  process.once('SIGINT', onInterrupt);
  try {
    if (!streams) {
      jobId = (await client.jobs.submit(parameters)).job_id;
      const result = await client.jobs.wait(jobId, { onStatus: (job) => status?.update(`${job.job_id} ${job.status}${job.miner_id ? ` on ${job.miner_id}` : ''} (Ctrl-C to stop waiting)`) });
      status?.done();
      return await printResult(client, result, flags, { verify: true, elapsedMs: Date.now() - started });
    }
    let outputShown = false;
    for await (const event of client.jobs.stream({ model: parameters.model, prompt: parameters.prompt, max_price: parameters.max_price, ...(parameters.params ? { params: parameters.params } : {}) }, { signal: hangUp.signal })) {
      if (event.type === 'submitted') {
        jobId = event.job_id;
        status?.update(`${jobId} waiting for a miner (Ctrl-C cancels it)`);
      } else if (event.type === 'text' && !flags.json) {
        if (!outputShown) status?.done();
        outputShown = true;
        process.stdout.write(event.text);
      }
    }
    status?.done();
    const result = jobId ? await client.jobs.result(jobId) : null;
    if (!result) throw new AitbcError({ errorCode: 'SYSTEM_INTERNAL_ERROR', detail: `The stream ended but job ${jobId} has no result yet; see it with: aitbc job status ${jobId}`, status: 500 });
    await printResult(client, result, flags, { verify: true, outputShown, elapsedMs: Date.now() - started });
  } finally {
    status?.done();
    process.off('SIGINT', onInterrupt);
  }
}

/** What Ctrl-C does to the job: a queued one is cancelled and refunded; for a running one, how to follow it. */
async function stopWaiting(client: AitbcClient, jobId: string | null, streams: boolean, flags: ConnectionFlags): Promise<void> {
  const say = (text: string, fields: Record<string, unknown>) =>
    flags.json ? printJson({ interrupted: true, job_id: jobId, ...fields, exit_code: EXIT.INTERRUPTED }) : void process.stderr.write(`\n${text}\n`);
  if (jobId === null) {
    // The submit may be on its way: the coordinator cancels it when this connection closes.
    return say('Ctrl-C before the coordinator answered: nothing was submitted, or the job is cancelled as the connection closes (check: aitbc job list)', { status: null });
  }
  try {
    let job: Job = await client.jobs.get(jobId);
    if (job.status === 'queued') {
      try {
        job = await client.jobs.cancel(jobId);
        return say(`Ctrl-C: job ${jobId} was still queued: cancelled, its escrow of ${job.max_price} AITBC refunded`, { status: job.status, refunded: job.max_price });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        job = await client.jobs.get(jobId); // a miner took it meanwhile
      }
    }
    if (job.status === 'running') {
      const on = job.miner_id ? ` on ${job.miner_id}` : '';
      const next = streams
        ? `with nobody reading its output, the coordinator stops it and you pay only for what it produced. Fetch that later: aitbc job result ${jobId}`
        : `it goes on. Fetch it later: aitbc job result ${jobId}; or cancel it: aitbc job cancel ${jobId}`;
      return say(`Ctrl-C: job ${jobId} is running${on}: ${next}`, { status: job.status });
    }
    say(`Ctrl-C: job ${jobId} is ${job.status}: aitbc job result ${jobId}`, { status: job.status });
  } catch (error) {
    say(`Ctrl-C: could not check job ${jobId} (${error instanceof Error ? error.message : String(error)}); see it with: aitbc job status ${jobId}`, { status: null });
  }
}
