// Where a wallet passphrase comes from: a file, then the environment, then a prompt on the
// terminal that does not echo. Scripts use the first two; people get the third.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export const PASSPHRASE_ENV = 'AITBC_WALLET_PASSPHRASE';

export type PassphrasePrompt = (question: string) => Promise<string>;

export interface ResolvePassphraseOptions {
  passphraseFile?: string;
  env?: NodeJS.ProcessEnv;
  prompt?: PassphrasePrompt;
  /** Ask twice and insist on the same answer (for a new wallet; only applies to the prompt). */
  confirm?: boolean;
  /** Runs on the passphrase from any source, before it is asked again; throws to refuse it (passphraseWeakness for a new wallet). */
  check?: (passphrase: string) => void;
}

/** A new wallet's passphrase has at least this many characters… */
export const MIN_PASSPHRASE_CHARS = 12;
/** …of which at least this many differ (so neither "aaaaaaaaaaaa" nor "121212121212" passes). */
export const MIN_PASSPHRASE_DISTINCT_CHARS = 6;

/**
 * Why a passphrase is too weak to encrypt a new wallet's key, or null. Length is what resists
 * guessing (NIST SP 800-63B drops composition rules): anyone who copies the keystore can try
 * guesses offline, each costing one scrypt run. Four random words pass easily.
 */
export function passphraseWeakness(passphrase: string): string | null {
  const characters = [...passphrase.normalize('NFKC')];
  const distinct = new Set(characters).size;
  if (characters.length >= MIN_PASSPHRASE_CHARS && distinct >= MIN_PASSPHRASE_DISTINCT_CHARS) return null;
  const found = characters.length < MIN_PASSPHRASE_CHARS ? `it has ${characters.length} character${characters.length === 1 ? '' : 's'}` : `it has only ${distinct} different characters`;
  return (
    `the passphrase is too weak: ${found}. Use at least ${MIN_PASSPHRASE_CHARS} characters, at least ${MIN_PASSPHRASE_DISTINCT_CHARS} of them different; ` +
    'four or more random words (like "correct horse battery staple") pass. It encrypts the key file, and whoever copies that file can guess offline'
  );
}

export const NO_TTY_ADVICE =
  `no passphrase given and no terminal to ask on: pass --passphrase-file <path> or set ${PASSPHRASE_ENV}`;

/** The terminal stream the default prompt reads from; only what it uses. */
export interface PromptInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

/**
 * A prompt that reads one line from `input` without echoing it. The question goes to stderr so
 * stdout stays clean for a command's output.
 */
export function createTtyPrompt(input: PromptInput = process.stdin, output: NodeJS.WritableStream = process.stderr): PassphrasePrompt {
  return (question) => {
    if (!input.isTTY) return Promise.reject(new Error(NO_TTY_ADVICE));
    return new Promise((resolve, reject) => {
      // readline echoes each key to its output; giving it one that drops everything keeps the
      // passphrase off the screen while readline still handles the line editing.
      const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
      const rl = createInterface({ input, output: silent, terminal: true });
      output.write(question);
      let settled = false;
      rl.on('SIGINT', () => {
        // Without a handler readline only pauses on Ctrl-C, which would leave the prompt hanging.
        settled = true;
        output.write('\n');
        rl.close();
        reject(new Error('passphrase entry cancelled'));
      });
      rl.on('close', () => {
        if (!settled) reject(new Error('no passphrase entered (input closed)'));
      });
      rl.question('', (answer) => {
        settled = true;
        output.write('\n');
        rl.close();
        resolve(answer);
      });
    });
  };
}

function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}

export async function resolvePassphrase(options: ResolvePassphraseOptions = {}): Promise<string> {
  if (options.passphraseFile !== undefined) {
    const passphrase = firstLine(readFileSync(options.passphraseFile, 'utf8'));
    if (passphrase.length === 0) throw new Error(`the passphrase file ${options.passphraseFile} is empty (the passphrase is its first line)`);
    options.check?.(passphrase);
    return passphrase;
  }

  // An empty variable counts as unset: shells and CI systems export empty values for missing secrets.
  const fromEnv = (options.env ?? process.env)[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv.length > 0) {
    options.check?.(fromEnv);
    return fromEnv;
  }

  const prompt = options.prompt ?? createTtyPrompt();
  const passphrase = await prompt('Wallet passphrase: ');
  if (passphrase.length === 0) throw new Error('the passphrase must not be empty');
  options.check?.(passphrase);
  if (options.confirm) {
    const again = await prompt('Repeat the passphrase: ');
    if (again !== passphrase) throw new Error('the two passphrases entered do not match');
  }
  return passphrase;
}
