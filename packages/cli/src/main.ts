// `aitbc`: one command-line entry for every role. Each subcommand lives in ./commands.

import { Command } from 'commander';
import { accountCommand, keysCommand } from './commands/account.ts';
import { coordinatorCommand } from './commands/coordinator.ts';
import { devnetCommand } from './commands/devnet.ts';
import { jobCommand } from './commands/job.ts';
import { minerCommand } from './commands/miner.ts';
import { nodeCommand } from './commands/node.ts';
import { receiptCommand } from './commands/receipt.ts';
import { walletCommand } from './commands/wallet.ts';

const program = new Command('aitbc')
  .description('AITBC: an open marketplace for AI compute')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

program.addCommand(devnetCommand());
program.addCommand(coordinatorCommand());
program.addCommand(minerCommand());
program.addCommand(nodeCommand());
program.addCommand(jobCommand());
program.addCommand(receiptCommand());
program.addCommand(accountCommand());
program.addCommand(keysCommand());
program.addCommand(walletCommand());

await program.parseAsync(process.argv);
