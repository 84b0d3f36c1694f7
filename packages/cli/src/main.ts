// `aitbc`: one command-line entry for every role. Each subcommand lives in ./commands.

import { Command, CommanderError } from 'commander';
import { accountCommand, keysCommand } from './commands/account.ts';
import { coordinatorCommand } from './commands/coordinator.ts';
import { devnetCommand } from './commands/devnet.ts';
import { earningsCommand } from './commands/earnings.ts';
import { jobCommand } from './commands/job.ts';
import { minerCommand } from './commands/miner.ts';
import { minersCommand } from './commands/miners.ts';
import { modelsCommand } from './commands/models.ts';
import { nodeCommand } from './commands/node.ts';
import { receiptCommand } from './commands/receipt.ts';
import { walletCommand } from './commands/wallet.ts';
import { CliError, EXIT, EXIT_CODES_HELP } from './exit-codes.ts';
import { reportError } from './output.ts';

const program = new Command('aitbc')
  .description('AITBC: an open marketplace for AI compute')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', EXIT_CODES_HELP);

program.addCommand(devnetCommand());
program.addCommand(coordinatorCommand());
program.addCommand(minerCommand());
program.addCommand(nodeCommand());
program.addCommand(jobCommand());
program.addCommand(modelsCommand());
program.addCommand(minersCommand());
program.addCommand(earningsCommand());
program.addCommand(receiptCommand());
program.addCommand(accountCommand());
program.addCommand(keysCommand());
program.addCommand(walletCommand());

// A usage error exits 2 (not commander's 1) and, under --json, prints JSON instead of text.
// Options are not parsed yet when commander refuses the line, so --json is looked for directly.
const json = process.argv.includes('--json');
const everyCommand = (command: Command): Command[] => [command, ...command.commands.flatMap(everyCommand)];
for (const command of everyCommand(program)) {
  command.exitOverride();
  if (json) command.configureOutput({ writeErr: () => undefined });
}
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  if (error.exitCode === 0) process.exitCode = 0; // --help, --version
  else if (json) reportError(new CliError('CLI_USAGE', error.code === 'commander.help' ? 'a subcommand is required; run with --help for the list' : error.message.replace(/^error: /, ''), EXIT.USAGE), true);
  else process.exitCode = EXIT.USAGE; // commander has printed why
}
