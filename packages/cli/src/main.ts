// `aitbc`: one command-line entry for every role. Each subcommand lives in ./commands.

import { Command } from 'commander';
import { coordinatorCommand } from './commands/coordinator.ts';

const program = new Command('aitbc')
  .description('AITBC: an open marketplace for AI compute')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

program.addCommand(coordinatorCommand());

await program.parseAsync(process.argv);
