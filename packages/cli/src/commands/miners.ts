// `aitbc miners`: registered miners, online first then by score (GET /v1/miners, public, paged).

import { Command, Option } from 'commander';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import { integerIn } from '../options.ts';
import { action, printJson, printTable } from '../output.ts';

interface MinersFlags extends ConnectionFlags {
  model?: string;
  limit: number;
  cursor?: string;
}

export function minersCommand(): Command {
  return withConnection(new Command('miners'))
    .option('--model <model>', 'only miners offering this model')
    .addOption(new Option('--limit <n>', 'how many').default(20).argParser(integerIn(1, 100)))
    .option('--cursor <cursor>', 'the next page, as the previous one printed it')
    .action(
      action(async (flags: MinersFlags) => {
        const page = await connect(flags).miners.list({ model: flags.model, limit: flags.limit, cursor: flags.cursor });
        if (flags.json) return printJson(page);
        printTable(
          ['miner', 'status', 'models (price/token)', 'gpu', 'score', 'jobs', 'last seen'],
          page.items.map((miner) => [
            miner.miner_id,
            miner.paused ? `${miner.status}, paused` : miner.status,
            miner.models.map((model) => `${model} (${miner.prices[model] ?? '-'})`).join(', '),
            miner.gpu?.name ?? '-',
            miner.reputation.score.toFixed(2),
            String(miner.reputation.jobs_completed),
            miner.last_seen_at,
          ]),
        );
        if (page.next_cursor) process.stdout.write(`(more: aitbc miners --cursor ${page.next_cursor})\n`);
      }),
    );
}
