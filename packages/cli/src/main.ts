// `aitbc`: one command-line entry for every role. Each subcommand lives in ./commands, listed in
// command-table.ts.

import { Command, CommanderError } from 'commander';
import { COMMANDS } from './command-table.ts';
import { CliError, EXIT, EXIT_CODES_HELP } from './exit-codes.ts';
import { reportError } from './output.ts';

// Output piped into a reader that stops early (`aitbc --help | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error; // any other write failure stays the crash it was
    process.exit(process.exitCode ?? 0);
  });
}

const program = new Command('aitbc')
  .description('AITBC: an open marketplace for AI compute')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', EXIT_CODES_HELP);

// The command the line names is loaded whole; any other line (help, a typo) sees every command's
// summary only, so `aitbc --help` loads no command at all.
const named = COMMANDS.find((entry) => entry.name === process.argv.slice(2).find((arg) => !arg.startsWith('-')));
if (named) program.addCommand((await named.load()).description(named.summary));
else for (const entry of COMMANDS) program.addCommand(new Command(entry.name).description(entry.summary));

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
