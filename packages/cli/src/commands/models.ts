// `aitbc models`: the market's models with their price range per token, what they can do, the
// miners online for each and the jobs queued (GET /v1/market, public).

import { Command } from 'commander';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import { action, printJson, printTable } from '../output.ts';

export function modelsCommand(): Command {
  return withConnection(new Command('models'))
    .action(
      action(async (flags: ConnectionFlags) => {
        const market = await connect(flags).market.get();
        if (flags.json) return printJson(market);
        printTable(
          ['model', 'price/token', 'capabilities', 'miners', 'queued'],
          market.models.map((model) => [
            model.model,
            model.min_price === null ? '-' : model.min_price === model.max_price ? model.min_price : `${model.min_price}–${model.max_price}`,
            model.capabilities.join(',') || '-',
            String(model.miners_online),
            String(model.queued),
          ]),
        );
        process.stdout.write(`${market.miners_online} miner(s) online, ${market.queue_depth} job(s) queued, ${market.jobs_per_minute} job(s)/min\n`);
      }),
    );
}
