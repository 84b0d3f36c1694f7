// `aitbc wallet`: keys in encrypted keystore files (scrypt + AES-256-GCM, never written in clear)
// and transfers, bonds and unbonds through a node's RPC. The passphrase comes from --passphrase-file, then
// AITBC_WALLET_PASSPHRASE, then a prompt.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { base64urlEncode, isValidAddress, parsePublicKey } from '@aitbc/protocol';
import { useNodeCrypto } from '@aitbc/protocol/node';
import { settledTo } from '@aitbc/protocol/wire';
import { signTx, WalletDirectory, resolvePassphrase } from '@aitbc/chain';
import { errorFromResponse, NetworkError } from '@aitbc/sdk';
import { action, printJson, printTable } from '../output.ts';
import { positiveAmount } from '../options.ts';

interface WalletFlags {
  walletDir: string;
  nodeUrl: string;
  passphraseFile?: string;
  json?: boolean;
}

const common = (command: Command) =>
  command
    .addOption(new Option('--wallet-dir <dir>', 'where the keystore files live').env('AITBC_WALLET_DIR').default('./.aitbc/wallets'))
    .addOption(new Option('--node-url <url>', 'chain node RPC').env('AITBC_NODE_URL').default('http://127.0.0.1:8545'))
    .option('--passphrase-file <path>', 'read the passphrase from this file (else AITBC_WALLET_PASSPHRASE, else a prompt)')
    .option('--json', 'print JSON for scripts');

async function rpc(flags: WalletFlags, path: string, init?: RequestInit): Promise<any> {
  let response: Response;
  try {
    response = await fetch(flags.nodeUrl.replace(/\/$/, '') + path, init);
  } catch (error) {
    throw new NetworkError({ errorCode: 'NETWORK_ERROR', detail: `No chain node answers at ${flags.nodeUrl} (${(error as Error).message}); start one (aitbc node) or pass --node-url`, status: 0, cause: error });
  }
  const body = await response.json().catch(() => null);
  // The node answers with the same error envelope as the coordinator: the same exit codes apply.
  if (!response.ok) throw errorFromResponse(response.status, body, response.headers.get('x-request-id'));
  return body;
}

/** Unlocks a wallet, signs `body` with its next nonce (counting its transactions still in the mempool) and submits it. */
async function signAndSubmit(name: string, flags: WalletFlags, body: Record<string, unknown>): Promise<{ submitted: { hash: string; status: string }; from: string }> {
  const passphrase = await resolvePassphrase({ passphraseFile: flags.passphraseFile });
  const unlocked = await wallets(flags).unlock(name, passphrase);
  const head = await rpc(flags, '/rpc/head');
  const account = await rpc(flags, `/rpc/accounts/${unlocked.address}`);
  const pending = (await rpc(flags, '/rpc/mempool')).transactions.filter((tx: { body: { from: string } }) => tx.body.from === unlocked.address).length;
  const tx = signTx({ ...body, chain_id: head.chain_id, nonce: account.nonce + pending } as never, unlocked.secretKey);
  const submitted = await rpc(flags, '/rpc/txs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx) });
  return { submitted, from: unlocked.address };
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
  const wallet = new Command('wallet');
  wallet.hook('preAction', () => useNodeCrypto());

  wallet.addCommand(
    common(new Command('create').argument('<name>').description('make a new key, encrypted with a passphrase')).action(
      action(async (name: string, flags: WalletFlags) => {
        const passphrase = await resolvePassphrase({ passphraseFile: flags.passphraseFile, confirm: true });
        const file = await wallets(flags).create(name, passphrase);
        if (flags.json) return printJson({ name: file.name, address: file.address });
        process.stdout.write(`${file.name}: ${file.address}\n`);
      }),
    ),
  );

  wallet.addCommand(
    common(new Command('import').argument('<name>').requiredOption('--secret-key-file <path>', 'a file holding the 32-byte secret key in hex').description('encrypt an existing key')).action(
      action(async (name: string, flags: WalletFlags & { secretKeyFile: string }) => {
        const passphrase = await resolvePassphrase({ passphraseFile: flags.passphraseFile, confirm: true });
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
        const account = await rpc(flags, `/rpc/accounts/${addressOf(flags, target)}`);
        if (flags.json) return printJson(account);
        const bonds = account.bonded && account.bonded !== '0' ? `; bonded ${account.bonded}` : '';
        const unbonding = account.unbonding && account.unbonding !== '0' ? `; unbonding ${account.unbonding}` : '';
        process.stdout.write(`${account.address}: ${account.balance} AITBC (nonce ${account.nonce})${bonds}${unbonding}\n`);
      }),
    ),
  );

  wallet.addCommand(
    common(new Command('send').argument('<name>').description('sign and submit a transfer'))
      .requiredOption('--to <address>', 'recipient ait1… address')
      .requiredOption('--amount <aitbc>', 'amount in AITBC, e.g. 2.5', positiveAmount)
      .option('--fee <aitbc>', 'fee for the block proposer', '0.001')
      .option('--memo <text>', 'memo (a coordinator deposit names the account here)')
      .action(
        action(async (name: string, flags: WalletFlags & { to: string; amount: string; fee: string; memo?: string }) => {
          const { submitted, from } = await signAndSubmit(name, flags, { type: 'transfer', to: flags.to, amount: flags.amount, fee: flags.fee, ...(flags.memo ? { memo: flags.memo } : {}) });
          if (flags.json) return printJson(submitted);
          process.stdout.write(`${submitted.hash} ${submitted.status}: ${flags.amount} AITBC from ${from} to ${flags.to}\n`);
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
          const { submitted } = await signAndSubmit(name, flags, { type: 'anchor_proof', receipt_id: proved.receipt_id, proof: proved.proof, public_signals: proved.public_signals, fee: flags.fee });
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
    common(new Command('history').argument('<name-or-address>').description('transactions sent, received or paying it (a settle to a miner), newest first')).action(
      action(async (target: string, flags: WalletFlags) => {
        const address = addressOf(flags, target);
        const { transactions } = await rpc(flags, `/rpc/accounts/${address}/txs`);
        if (flags.json) return printJson(transactions);
        printTable(
          ['block', 'tx', 'direction', 'amount', 'counterparty', 'memo'],
          transactions.map((tx: { block_height: number; hash: string; body: { type: string; from: string; to?: string; miner_key?: string; amount?: string; memo?: string; payouts?: { address: string; amount: string }[] } }) => [
            String(tx.block_height),
            tx.hash.slice(0, 16),
            tx.body.from !== address ? 'in' : tx.body.type === 'transfer' ? 'out' : tx.body.type,
            tx.body.amount ?? settledTo(tx.body, address) ?? '',
            tx.body.from === address ? (tx.body.to ?? tx.body.miner_key ?? '') : tx.body.from,
            tx.body.memo ?? '',
          ]),
        );
      }),
    ),
  );
  return wallet;
}
