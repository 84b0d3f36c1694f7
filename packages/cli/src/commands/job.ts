// `aitbc job submit|status|result|cancel|dispute|list`: jobs from the command line, built on the SDK.

import { Command, Option } from 'commander';
import type { Job, SubmitJobParameters } from '@aitbc/sdk';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import { action, printJson, printTable } from '../output.ts';
import { integerIn } from '../options.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { printResult, submitAndFollow } from '../job-follow.ts';

interface SubmitFlags extends ConnectionFlags {
  model: string;
  prompt: string;
  maxPrice: string;
  maxTokens?: number;
  temperature?: string;
  ttl?: number;
  minerId?: string;
  wait?: boolean;
}

function printJob(job: Job): void {
  printTable(
    ['field', 'value'],
    Object.entries(job).map(([field, value]) => [field, value === null ? '-' : String(value)]),
  );
}

export function jobCommand(): Command {
  const job = new Command('job');

  job.addCommand(
    withConnection(new Command('submit'))
      .description('submit a job (with --wait: print the output as it comes, then tokens, time, price and the verified receipt; Ctrl-C cancels a queued job and refunds it)')
      .requiredOption('--model <model>', 'model to run, e.g. demo or llama3.2')
      .requiredOption('--prompt <text>', 'the prompt')
      .option('--max-price <aitbc>', 'most the job may cost, escrowed at submit', '1')
      .addOption(new Option('--max-tokens <n>', 'completion tokens at most').argParser(integerIn(1, 32768)))
      .option('--temperature <t>', 'sampling temperature, 0–2')
      .addOption(new Option('--ttl <seconds>', 'deadline from now').argParser(integerIn(10, 86400)))
      .option('--miner-id <id>', 'pin the job to one miner')
      .option('--wait', 'follow the job: stream its output (polled instead with --miner-id or --ttl); Ctrl-C exits 130')
      .action(
        action(async (flags: SubmitFlags) => {
          const client = connect(flags);
          const parameters: SubmitJobParameters = { model: flags.model, prompt: flags.prompt, max_price: flags.maxPrice };
          const params: SubmitJobParameters['params'] = {};
          if (flags.maxTokens !== undefined) params.max_tokens = flags.maxTokens;
          if (flags.temperature !== undefined) params.temperature = Number(flags.temperature);
          if (Object.keys(params).length > 0) parameters.params = params;
          if (flags.ttl !== undefined) parameters.ttl_seconds = flags.ttl;
          if (flags.minerId !== undefined) parameters.miner_id = flags.minerId;
          if (!flags.wait) {
            const created = await client.jobs.submit(parameters);
            return flags.json ? printJson(created) : void process.stdout.write(`${created.job_id} ${created.status} (max_price ${created.max_price} AITBC escrowed, deadline ${created.deadline})\n`);
          }
          await submitAndFollow(client, parameters, flags);
        }),
      ),
  );

  job.addCommand(
    withConnection(new Command('status'))
      .description("a job's state")
      .argument('<job-id>')
      .action(action(async (jobId: string, flags: ConnectionFlags) => {
        const found = await connect(flags).jobs.get(jobId);
        return flags.json ? printJson(found) : printJob(found);
      })),
  );

  job.addCommand(
    withConnection(new Command('result'))
      .description("a finished job's output, price and receipt")
      .argument('<job-id>')
      .action(action(async (jobId: string, flags: ConnectionFlags) => {
        const result = await connect(flags).jobs.result(jobId);
        if (!result) throw new CliError('JOB_NOT_FINISHED', `${jobId} is not finished yet; try again, or use: aitbc job status ${jobId}`, EXIT.PENDING);
        await printResult(connect(flags), result, flags, { verify: false });
      })),
  );

  job.addCommand(
    withConnection(new Command('cancel'))
      .description('cancel a queued or running job (its escrow comes back)')
      .argument('<job-id>')
      .action(action(async (jobId: string, flags: ConnectionFlags) => {
        const cancelled = await connect(flags).jobs.cancel(jobId);
        return flags.json ? printJson(cancelled) : void process.stdout.write(`${cancelled.job_id} ${cancelled.status}\n`);
      })),
  );

  job.addCommand(
    withConnection(new Command('dispute'))
      .description("dispute a completed job inside its acceptance window: it is re-run at your cost; if the miner was wrong you get the price back")
      .argument('<job-id>')
      .requiredOption('--reason <text>', "what is wrong with the job's output")
      .action(action(async (jobId: string, flags: ConnectionFlags & { reason: string }) => {
        const disputed = await connect(flags).jobs.dispute(jobId, flags.reason);
        return flags.json ? printJson(disputed) : void process.stdout.write(`${disputed.job_id} dispute ${disputed.dispute?.status ?? 'open'} (check ${disputed.dispute?.check_id})\n`);
      })),
  );

  job.addCommand(
    withConnection(new Command('list'))
      .description('your jobs, newest first')
      .option('--status <status>', 'only jobs in this state')
      .addOption(new Option('--limit <n>', 'how many').default(20).argParser(integerIn(1, 100)))
      .action(action(async (flags: ConnectionFlags & { status?: string; limit: number }) => {
        const page = await connect(flags).jobs.list({ ...(flags.status ? { status: flags.status as Job['status'] } : {}), limit: flags.limit });
        if (flags.json) return printJson(page);
        printTable(
          ['job', 'status', 'model', 'price', 'miner', 'created'],
          page.items.map((item) => [item.job_id, item.status, item.model, item.price ?? `≤ ${item.max_price}`, item.miner_id ?? '-', item.created_at]),
        );
        if (page.next_cursor) process.stdout.write('(more: use --json for next_cursor)\n');
      })),
  );
  return job;
}
