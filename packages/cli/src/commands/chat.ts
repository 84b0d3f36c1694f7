// `aitbc chat`: a conversation with a model, as `ollama run` has it. Each answer streams as the
// miner writes it, and the conversation is kept for the session and sent whole with each turn
// (every turn is one paid job). With stdin not a terminal: one message in, one answer out.

import { styleText } from 'node:util';
import { Command, Option } from 'commander';
import type { AitbcClient, ChatStreamParameters, ChatTurn } from '@aitbc/sdk';
import { askLine } from '../chat-prompt.ts';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import { readDevnetFile } from '../devnet-file.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { integerIn, positiveAmount } from '../options.ts';
import { action, costLine, printJson, reportError, statusLine } from '../output.ts';

interface ChatFlags extends ConnectionFlags {
  model?: string;
  system?: string;
  maxPrice?: string;
  maxTokens?: number;
}

/** Everything a turn sends besides the conversation. */
type Ask = Omit<ChatStreamParameters, 'messages' | 'signal'>;

const PROMPT = '>>> ';

export function chatCommand(): Command {
  return withConnection(new Command('chat'))
    .description('talk with a model: answers stream as they are written, the conversation is kept for the session (piped stdin: one message, one answer)')
    .option('--model <model>', 'model to talk to (default on a devnet, ./.aitbc/devnet.json: demo)')
    .option('--system <text>', 'a system prompt, sent first with every turn')
    .addOption(new Option('--max-price <aitbc>', "most each answer may cost, escrowed per turn (default: the coordinator's for OpenAI requests)").argParser(positiveAmount))
    .addOption(new Option('--max-tokens <n>', 'answer tokens at most, per turn').argParser(integerIn(1, 32768)))
    .addHelpText(
      'after',
      `
In a terminal: type a message and Enter; /exit or Ctrl-D leaves (exit 0), Ctrl-C at an empty prompt
exits 130. Ctrl-C during an answer stops it and returns to the prompt: a queued job is cancelled
and refunded, a running one is stopped and you pay only for what it produced. After each answer a
line gives the job, its tokens, the time taken and the price. Each turn is one job that sends the
whole conversation, so long sessions cost more per turn.

With stdin not a terminal, the whole of stdin is one message and one answer is printed:
  echo "Say hello" | aitbc chat --model demo
With --json, each answer is one JSON object (content, job_id, receipt_id, price, finish_reason,
usage, elapsed_ms) instead of streamed text.`,
    )
    .action(
      action(async (flags: ChatFlags) => {
        const model = flags.model ?? (readDevnetFile() ? 'demo' : undefined);
        if (model === undefined) throw new CliError('CLI_USAGE', "--model is required: name the model to talk to (aitbc models lists them); it defaults to demo only on a devnet (./.aitbc/devnet.json)", EXIT.USAGE);
        const ask: Ask = { model, ...(flags.maxPrice !== undefined ? { max_price: flags.maxPrice } : {}), ...(flags.maxTokens !== undefined ? { max_tokens: flags.maxTokens } : {}) };
        const opening: ChatTurn[] = flags.system === undefined ? [] : [{ role: 'system', content: flags.system }];
        const client = connect(flags);
        if (process.stdin.isTTY) return converse(client, flags, ask, opening);
        const message = (await readAll(process.stdin)).trimEnd();
        if (message.trim() === '') throw new CliError('CLI_USAGE', 'stdin was empty: pipe the message to send, or run aitbc chat in a terminal to talk', EXIT.USAGE);
        const answered = await answerTurn(client, flags, { ...ask, messages: [...opening, { role: 'user', content: message }] });
        if (answered.stopped) process.exitCode = EXIT.INTERRUPTED;
      }),
    );
}

/** The interactive session: prompt, answer, repeat, with the conversation kept in memory. */
async function converse(client: AitbcClient, flags: ChatFlags, ask: Ask, opening: ChatTurn[]): Promise<void> {
  const messages = [...opening];
  const history: string[] = [];
  note(`chat with ${ask.model}: /exit or Ctrl-D leaves, Ctrl-C stops an answer`);
  for (;;) {
    const asked = await askLine(PROMPT, history);
    if (asked.kind === 'cleared') continue;
    if (asked.kind === 'interrupt') return void (process.exitCode = EXIT.INTERRUPTED);
    if (asked.kind === 'end' || asked.text.trim() === '/exit') {
      if (asked.kind === 'end') process.stdout.write('\n');
      return void (process.exitCode = EXIT.OK); // a turn that failed earlier was reported then
    }
    if (asked.text.trim() === '') continue;
    messages.push({ role: 'user', content: asked.text });
    try {
      const answered = await answerTurn(client, flags, { ...ask, messages });
      // A stopped answer stays as far as it was shown; one that showed nothing drops the question too.
      if (answered.text !== '') messages.push({ role: 'assistant', content: answered.text });
      else messages.pop();
    } catch (error) {
      // Not sent, or failed (refunded): the question leaves the conversation; up-arrow brings it back.
      messages.pop();
      reportError(error, flags.json);
    }
  }
}

/**
 * One answer, printed as it streams (or, under --json, as one object at the end), then a dim
 * line with the job, tokens, time and price. Ctrl-C meanwhile hangs up, which stops the job.
 */
async function answerTurn(client: AitbcClient, flags: ChatFlags, parameters: Omit<ChatStreamParameters, 'signal'>): Promise<{ text: string; stopped: boolean }> {
  const started = Date.now();
  const hangUp = new AbortController();
  const stop = () => hangUp.abort();
  process.on('SIGINT', stop);
  const status = !flags.json && process.stderr.isTTY ? statusLine() : null;
  status?.update('waiting for a miner (Ctrl-C stops)');
  const answer = client.chat.stream({ ...parameters, signal: hangUp.signal });
  let shown = '';
  try {
    for await (const piece of answer) {
      status?.done();
      shown += piece;
      if (!flags.json) process.stdout.write(piece);
    }
  } catch (error) {
    if (!hangUp.signal.aborted) throw error;
    status?.done();
    const jobId = answer.jobId ?? null;
    if (flags.json) printJson({ stopped: true, content: shown, job_id: jobId });
    else {
      endLine(shown);
      note(jobId ? `stopped: job ${jobId} is cancelled, or stopped and paid for what it produced (aitbc job status ${jobId})` : 'stopped before the coordinator answered: nothing runs');
    }
    return { text: shown, stopped: true };
  } finally {
    status?.done();
    process.off('SIGINT', stop);
  }
  const outcome = answer.outcome!;
  const elapsedMs = Date.now() - started;
  if (flags.json) {
    const { text, ...facts } = outcome;
    printJson({ content: text, ...facts, elapsed_ms: elapsedMs });
  } else {
    endLine(outcome.text);
    note(costLine(outcome.job_id, outcome.usage, outcome.price, elapsedMs) + (outcome.finish_reason === 'length' ? ' (cut at --max-tokens)' : ''));
  }
  return { text: outcome.text, stopped: false };
}

/** Ends the answer's last line, unless it ended itself. */
function endLine(shown: string): void {
  if (shown !== '' && !shown.endsWith('\n')) process.stdout.write('\n');
}

/** A line about the session rather than the answer: on stderr, dim on a terminal. */
function note(text: string): void {
  process.stderr.write(`${process.stderr.isTTY ? styleText('dim', text) : text}\n`);
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  input.setEncoding('utf8');
  for await (const chunk of input) text += chunk;
  return text;
}
