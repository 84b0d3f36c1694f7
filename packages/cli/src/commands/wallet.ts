// `aitbc wallet`: keys in encrypted keystore files (scrypt + AES-256-GCM, never written in clear;
// docs/WALLET.md), made from a recovery phrase that restores them, and transfers, bonds and
// unbonds through a chain node with @aitbc/sdk/chain. The node is --node-url, then AITBC_NODE_URL,
// then ./.aitbc/devnet.json's chain_url (connection.ts). The passphrase comes from
// --passphrase-file, then AITBC_WALLET_PASSPHRASE, then a prompt.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import WebSocket from 'ws';
import { base64urlEncode, formatAmount, isValidAddress, parseAmount, parsePublicKey } from '@aitbc/protocol';
import { useNodeCrypto } from '@aitbc/protocol/node';
import { settledTo, type AccountTx } from '@aitbc/protocol/wire';
import { MIN_PASSPHRASE_CHARS, MIN_PASSPHRASE_DISTINCT_CHARS, WalletDirectory, createTtyPrompt, passphraseWeakness, resolvePassphrase } from '@aitbc/chain';
import { ChainClient, Wallet, generateMnemonic, mnemonicProblem, secretKeyFromMnemonic, type TxIntent } from '@aitbc/sdk/chain';
import { confirm } from '../confirm.ts';
import { nodeUrl, nodeUrlOption } from '../connection.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { action, printJson, printTable } from '../output.ts';
import { amountOrZero, positiveAmount } from '../options.ts';

interface WalletFlags {
  walletDir: string;
  nodeUrl?: string;
  passphraseFile?: string;
  json?: boolean;
}

/** Where `wallet restore` reads the phrase when no --phrase-file is given (never a flag value: it would land in shell history). */
export const PHRASE_ENV = 'AITBC_RECOVERY_PHRASE';

const common = (command: Command) =>
  command
    .addOption(new Option('--wallet-dir <dir>', 'where the keystore files live').env('AITBC_WALLET_DIR').default('./.aitbc/wallets'))
    .addOption(nodeUrlOption())
    .option('--passphrase-file <path>', 'read the passphrase from this file (else AITBC_WALLET_PASSPHRASE, else a prompt)')
    .option('--json', 'print JSON for scripts');

/** The node's client; a node that does not answer gets advice on where one should be. */
function chain(flags: WalletFlags): ChainClient {
  const url = nodeUrl(flags.nodeUrl);
  const advise = (error: Error) => {
    throw new Error(`${error.message}; start a node (aitbc node or aitbc devnet) or point --node-url (or AITBC_NODE_URL) at one`, { cause: error });
  };
  return new ChainClient({ url, WebSocket, fetch: (input, init) => fetch(input, init).catch(advise) });
}

/** A passphrase for a new keystore: strong enough (passphraseWeakness), typed twice at a prompt. */
function newPassphrase(flags: WalletFlags): Promise<string> {
  return resolvePassphrase({
    passphraseFile: flags.passphraseFile,
    confirm: true,
    check: (passphrase) => {
      const weakness = passphraseWeakness(passphrase);
      if (weakness) throw new CliError('CLI_USAGE', weakness, EXIT.USAGE);
    },
  });
}

/** Unlocks a wallet, signs `intent` with the chain's id and its next nonce, and submits it. */
async function signAndSubmit(name: string, flags: WalletFlags, intent: TxIntent) {
  const passphrase = await resolvePassphrase({ passphraseFile: flags.passphraseFile });
  const unlocked = await wallets(flags).unlock(name, passphrase);
  const wallet = Wallet.fromSecretKey(unlocked.secretKey);
  unlocked.secretKey.fill(0);
  try {
    const client = chain(flags);
    const submitted = await client.send(wallet, intent);
    return { client, submitted, from: wallet.address };
  } finally {
    wallet.destroy();
  }
}

/** The recovery phrase: --phrase-file, then AITBC_RECOVERY_PHRASE, then a prompt that does not echo. */
async function readPhrase(phraseFile: string | undefined): Promise<string> {
  const phrase = phraseFile !== undefined ? readFileSync(phraseFile, 'utf8') : process.env[PHRASE_ENV] || (await createTtyPrompt()('Recovery phrase (the words, separated by spaces): '));
  const problem = mnemonicProblem(phrase);
  if (problem) throw new CliError('CLI_USAGE', `not a recovery phrase: ${problem}`, EXIT.USAGE);
  return phrase;
}

/** The phrase as a person copies it onto paper: numbered, four words a line. */
function phraseLines(phrase: string): string {
  const words = phrase.split(' ').map((word, i) => `${String(i + 1).padStart(2)}. ${word.padEnd(9)}`);
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += 4) lines.push('  ' + words.slice(i, i + 4).join(' ').trimEnd());
  return lines.join('\n');
}

/** Epoch ms as a UTC time to the second: 2025-01-02 03:04:05Z. */
const utcTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** A recipient given on the command line, checked before anything is asked or signed. */
function recipient(text: string): string {
  if (!isValidAddress(text)) throw new CliError('CLI_USAGE', `--to ${JSON.stringify(text)} is not an ait1… address`, EXIT.USAGE);
  return text;
}

/** A miner's public key, given as itself or as the miner's key file (the miner-key file in its --data-dir). */
function minerKey(keyOrFile: string): string {
  let key = keyOrFile;
  if (existsSync(keyOrFile)) {
    const file = JSON.parse(readFileSync(keyOrFile, 'utf8')) as { public_key?: unknown };
    if (typeof file.public_key !== 'string') throw new Error(`${keyOrFile} is not a key file ({public_key, …}); pass the miner's miner-key.json or its public key`);
    key = file.public_key;
  }
  try {
    return base64urlEncode(parsePublicKey(key));
  } catch (error) {
    throw new Error(`--miner-key ${JSON.stringify(keyOrFile)} is neither a key file nor a public key: it ${(error as Error).message}`);
  }
}

const wallets = (flags: WalletFlags) => new WalletDirectory(resolve(flags.walletDir));
const addressOf = (flags: WalletFlags, nameOrAddress: string) => (isValidAddress(nameOrAddress) ? nameOrAddress : wallets(flags).get(nameOrAddress).address);

export function walletCommand(): Command {
  const wallet = new Command('wallet')
    .addHelpText(
      'after',
      `
A new wallet's passphrase (create, restore, import) needs at least ${MIN_PASSPHRASE_CHARS} characters, at least
${MIN_PASSPHRASE_DISTINCT_CHARS} of them different: four random words pass. \`create\` prints a recovery phrase once;
\`restore\` rebuilds the wallet from it. The node: --node-url, then AITBC_NODE_URL, then
./.aitbc/devnet.json's chain_url, then http://127.0.0.1:8545. Keystore format and phrase
derivation: docs/WALLET.md.`,
    );
  wallet.hook('preAction', () => useNodeCrypto());

  wallet.addCommand(
    common(new Command('create').argument('<name>').description('make a new key, encrypted with a passphrase, and print its recovery phrase once')).action(
      action(async (name: string, flags: WalletFlags) => {
        const passphrase = await newPassphrase(flags);
        const phrase = generateMnemonic();
        const secretKey = secretKeyFromMnemonic(phrase);
        const file = await wallets(flags).importKey(name, secretKey, passphrase).finally(() => secretKey.fill(0));
        if (flags.json) return printJson({ name: file.name, address: file.address, recovery_phrase: phrase });
        process.stdout.write(
          `${file.name}: ${file.address}\n\n` +
            'Recovery phrase: write these words down on paper, in order, and keep them safe. They are shown\n' +
            'only now; they restore the wallet if the key file or its passphrase is lost (aitbc wallet\n' +
            `restore), and anyone who has them controls the wallet.\n\n${phraseLines(phrase)}\n`,
        );
      }),
    ),
  );

  wallet.addCommand(
    common(
      new Command('restore')
        .argument('<name>')
        .description(`rebuild a wallet from its recovery phrase: the same key and address, in a new keystore (phrase from --phrase-file, else ${PHRASE_ENV}, else a prompt)`),
    )
      .option('--phrase-file <path>', 'a file holding the recovery phrase')
      .action(
        action(async (name: string, flags: WalletFlags & { phraseFile?: string }) => {
          const phrase = await readPhrase(flags.phraseFile);
          const passphrase = await newPassphrase(flags);
          const secretKey = secretKeyFromMnemonic(phrase);
          const file = await wallets(flags).importKey(name, secretKey, passphrase).finally(() => secretKey.fill(0));
          if (flags.json) return printJson({ name: file.name, address: file.address });
          process.stdout.write(`${file.name}: ${file.address} (restored)\n`);
        }),
      ),
  );

  wallet.addCommand(
    common(new Command('import').argument('<name>').requiredOption('--secret-key-file <path>', 'a file holding the 32-byte secret key in hex').description('encrypt an existing key (it has no recovery phrase)')).action(
      action(async (name: string, flags: WalletFlags & { secretKeyFile: string }) => {
        const passphrase = await newPassphrase(flags);
        const file = await wallets(flags).import(name, readFileSync(flags.secretKeyFile, 'utf8'), passphrase);
        if (flags.json) return printJson({ name: file.name, address: file.address });
        process.stdout.write(`${file.name}: ${file.address}\n`);
      }),
    ),
  );

  wallet.addCommand(
    common(new Command('list').description('wallets in the directory')).action(
      action(async (flags: WalletFlags) => {
        const list = wallets(flags).list().map((file) => ({ name: file.name, address: file.address }));
        if (flags.json) return printJson(list);
        printTable(['name', 'address'], list.map((entry) => [entry.name, entry.address]));
      }),
    ),
  );

  wallet.addCommand(
    common(new Command('address').argument('<name>').description("a wallet's address")).action(
      action(async (name: string, flags: WalletFlags) => void process.stdout.write(`${wallets(flags).get(name).address}\n`)),
    ),
  );

  wallet.addCommand(
    common(new Command('balance').argument('<name-or-address>').description('balance and nonce on chain')).action(
      action(async (target: string, flags: WalletFlags) => {
        const account = await chain(flags).account(addressOf(flags, target));
        if (flags.json) return printJson(account);
        const bonds = account.bonded && account.bonded !== '0' ? `; bonded ${account.bonded}` : '';
        const unbonding = account.unbonding && account.unbonding !== '0' ? `; unbonding ${account.unbonding}` : '';
        process.stdout.write(`${account.address}: ${account.balance} AITBC (nonce ${account.nonce})${bonds}${unbonding}\n`);
      }),
    ),
  );

  wallet.addCommand(
    common(new Command('send').argument('<name>').description('sign and submit a transfer, after showing it and asking (y/N) on a terminal'))
      .requiredOption('--to <address>', 'recipient ait1… address')
      .requiredOption('--amount <aitbc>', 'amount in AITBC, e.g. 2.5', positiveAmount)
      .option('--fee <aitbc>', 'fee for the block proposer', amountOrZero, '0.001')
      .option('--memo <text>', 'memo (a coordinator deposit names the account here)')
      .option('--yes', 'send without asking (needed without a terminal)')
      .option('--wait', 'wait until the transfer is in a final block, and print the block')
      .action(
        action(async (name: string, flags: WalletFlags & { to: string; amount: string; fee: string; memo?: string; yes?: boolean; wait?: boolean }) => {
          const to = recipient(flags.to);
          const from = wallets(flags).get(name);
          if (!flags.yes) {
            const total = formatAmount(parseAmount(flags.amount) + parseAmount(flags.fee));
            const rows = [
              ['from', `${from.name} (${from.address})`],
              ['to', to],
              ['amount', `${flags.amount} AITBC`],
              ['fee', `${flags.fee} AITBC`],
              ['total', `${total} AITBC`],
              ...(flags.memo ? [['memo', flags.memo]] : []),
              ['node', nodeUrl(flags.nodeUrl)],
            ];
            process.stderr.write(rows.map(([label, value]) => `  ${label!.padEnd(7)} ${value}`).join('\n') + '\n');
            if (!(await confirm(`Send ${flags.amount} AITBC to ${to}?`, '--yes'))) {
              process.stderr.write('Nothing sent.\n');
              process.exitCode = EXIT.OTHER;
              return;
            }
          }
          const { client, submitted } = await signAndSubmit(name, flags, { type: 'transfer', to, amount: flags.amount, fee: flags.fee, ...(flags.memo ? { memo: flags.memo } : {}) });
          const final = flags.wait ? await client.waitForFinal(submitted.hash) : null;
          const block = final ? await client.block(final.block_height) : null;
          if (flags.json) {
            return printJson({ hash: submitted.hash, status: final ? 'final' : submitted.status, from: from.address, to, amount: flags.amount, fee: flags.fee, ...(block ? { block_height: block.height, block_hash: block.hash, block_time: block.header.timestamp } : {}) });
          }
          process.stdout.write(`${submitted.hash} ${submitted.status}: ${flags.amount} AITBC from ${from.address} to ${to}, fee ${flags.fee} AITBC\n`);
          if (block) process.stdout.write(`final in block ${block.height} (${block.hash}) at ${utcTime(block.header.timestamp)}\n`);
        }),
      ),
  );

  wallet.addCommand(
    common(new Command('anchor').argument('<name>').description('anchor a receipt proof (from `aitbc receipt prove`) on chain: the node verifies it against the settled receipt'))
      .requiredOption('--proof <file>', 'the proof file written by `aitbc receipt prove`')
      .option('--fee <aitbc>', 'fee for the block proposer', '0')
      .action(
        action(async (name: string, flags: WalletFlags & { proof: string; fee: string }) => {
          const proved = JSON.parse(readFileSync(flags.proof, 'utf8')) as { receipt_id?: string; proof?: unknown; public_signals?: unknown };
          if (typeof proved.receipt_id !== 'string' || !proved.proof || !Array.isArray(proved.public_signals)) throw new Error(`${flags.proof} is not a proof file from \`aitbc receipt prove\` ({receipt_id, proof, public_signals})`);
          const { submitted } = await signAndSubmit(name, flags, { type: 'anchor_proof', receipt_id: proved.receipt_id, proof: proved.proof, public_signals: proved.public_signals, fee: flags.fee } as TxIntent);
          if (flags.json) return printJson(submitted);
          process.stdout.write(`${submitted.hash} ${submitted.status}: proof of ${proved.receipt_id}; once in a block, GET /rpc/receipts/${proved.receipt_id} shows it proven\n`);
        }),
      ),
  );

  for (const [type, description, done] of [
    ['bond', "move AITBC from the wallet's balance into the bond of a miner key (the key its receipts are signed with); a slash of such a receipt takes from it", 'bonded'],
    ['unbond', "start returning a miner key's bond to the balance: it stays slashable for the chain's unbonding delay, then is released", 'unbonding'],
  ] as const) {
    wallet.addCommand(
      common(new Command(type).argument('<name>', 'the wallet (the miner\'s payout wallet)').argument('<amount>', 'AITBC, e.g. 100', positiveAmount).description(description))
        .requiredOption('--miner-key <key-or-file>', "the miner's public key, or its key file (miner-key.json in the miner's --data-dir)")
        .option('--fee <aitbc>', 'fee for the block proposer', '0.001')
        .action(
          action(async (name: string, amount: string, flags: WalletFlags & { minerKey: string; fee: string }) => {
            const key = minerKey(flags.minerKey);
            const { submitted, from } = await signAndSubmit(name, flags, { type, amount, miner_key: key, fee: flags.fee });
            if (flags.json) return printJson({ ...submitted, miner_key: key });
            process.stdout.write(`${submitted.hash} ${submitted.status}: ${amount} AITBC ${done} on miner key ${key} by ${from}; GET /rpc/bonds/${from} shows it\n`);
          }),
        ),
    );
  }

  wallet.addCommand(
    common(new Command('history').argument('<name-or-address>').description('transactions sent, received or paying it (a settle to a miner), newest first, with their time and fee')).action(
      action(async (target: string, flags: WalletFlags) => {
        const address = addressOf(flags, target);
        const transactions = await chain(flags).history(address);
        if (flags.json) return printJson(transactions);
        printTable(
          ['time (UTC)', 'block', 'direction', 'amount', 'fee', 'counterparty', 'memo', 'tx'],
          transactions.map((tx: AccountTx) => {
            const body = tx.body as AccountTx['body'] & { to?: string; miner_key?: string; amount?: string; memo?: string };
            const sent = body.from === address;
            return [
              utcTime(tx.block_time),
              String(tx.block_height),
              !sent ? 'in' : body.type === 'transfer' ? 'out' : body.type,
              body.amount ?? settledTo(body, address) ?? '',
              // The sender pays the fee: it is this address's cost only on what it sent.
              sent ? body.fee : '',
              sent ? (body.to ?? body.miner_key ?? '') : body.from,
              body.memo ?? '',
              tx.hash.slice(0, 16),
            ];
          }),
        );
      }),
    ),
  );
  return wallet;
}
