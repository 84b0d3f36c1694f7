// `aitbc earnings [miner-id]`: what a miner earned per UTC day and per model, and where that money
// stands: held (acceptance window or dispute), earned (claimable), claimed (pending settlement on
// chain) and settled (GET /v1/miners/{id}/earnings/series, with the miner's owner key).

import { Command, Option } from 'commander';
import { formatAmount, parseAmount } from '@aitbc/protocol';
import type { EarningsSeries } from '@aitbc/sdk';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import { readDevnetFile } from '../devnet-file.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { integerIn } from '../options.ts';
import { action, printJson, printTable } from '../output.ts';

/** Jobs, tokens and earnings per model over the whole period (money summed as bigint µAIT). */
export function perModel(days: EarningsSeries['days']): { model: string; jobs: number; units: number; earned: string }[] {
  const totals = new Map<string, { jobs: number; units: number; earnedMicro: bigint }>();
  for (const row of days) {
    const total = totals.get(row.model) ?? { jobs: 0, units: 0, earnedMicro: 0n };
    total.jobs += row.jobs;
    total.units += row.units;
    total.earnedMicro += parseAmount(row.earned);
    totals.set(row.model, total);
  }
  return [...totals].map(([model, total]) => ({ model, jobs: total.jobs, units: total.units, earned: formatAmount(total.earnedMicro) }));
}

export function earningsCommand(): Command {
  return withConnection(new Command('earnings'))
    .argument('[miner-id]', 'the miner (default: the devnet miner)')
    .addOption(new Option('--days <n>', 'UTC days back, today included').default(30).argParser(integerIn(1, 366)))
    .action(
      action(async (minerArgument: string | undefined, flags: ConnectionFlags & { days: number }) => {
        const minerId = minerArgument ?? readDevnetFile()?.miner_id;
        if (!minerId) throw new CliError('CLI_USAGE', 'which miner? pass its id: aitbc earnings <miner-id>', EXIT.USAGE);
        const series = await connect(flags, 'miner').miners.earningsSeries(minerId, { days: flags.days });
        if (flags.json) return printJson(series);
        const out = (text: string) => process.stdout.write(text);
        out(`${series.miner_id}, last ${flags.days} day(s)\n\nper day\n`);
        printTable(['day', 'model', 'jobs', 'tokens', 'earned'], series.days.map((row) => [row.day, row.model, String(row.jobs), String(row.units), row.earned]));
        out('\nper model\n');
        printTable(['model', 'jobs', 'tokens', 'earned'], perModel(series.days).map((row) => [row.model, String(row.jobs), String(row.units), row.earned]));
        out(`\nheld ${series.held} AITBC (acceptance window or dispute), claimable ${series.earned}, pending settlement ${series.claimed}, settled ${series.settled}\n`);
        const pending = series.payouts.filter((payout) => payout.state !== 'final').length;
        if (series.payouts.length > 0) out(`${series.payouts.length} settlement(s), ${pending} not final yet\n`);
      }),
    );
}
