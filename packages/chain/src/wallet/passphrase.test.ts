import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { NO_TTY_ADVICE, PASSPHRASE_ENV, createTtyPrompt, passphraseWeakness, resolvePassphrase, type PassphrasePrompt } from './passphrase.ts';

function scripted(...answers: string[]): PassphrasePrompt & { questions: string[] } {
  const questions: string[] = [];
  const prompt = async (question: string): Promise<string> => {
    questions.push(question);
    const answer = answers.shift();
    if (answer === undefined) throw new Error('prompted more often than expected');
    return answer;
  };
  return Object.assign(prompt, { questions });
}

function withFile<T>(content: string, body: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-pass-'));
  const path = join(dir, 'pass.txt');
  writeFileSync(path, content, { mode: 0o600 });
  return body(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('a file comes first, then the environment, then the prompt', async () => {
  const env = { [PASSPHRASE_ENV]: 'from env' };
  await withFile('from file\nsecond line ignored\n', async (path) => {
    const prompt = scripted('from prompt');
    assert.equal(await resolvePassphrase({ passphraseFile: path, env, prompt }), 'from file');
    assert.equal(prompt.questions.length, 0);
  });
  const prompt = scripted('from prompt');
  assert.equal(await resolvePassphrase({ env, prompt }), 'from env');
  assert.equal(prompt.questions.length, 0);
  assert.equal(await resolvePassphrase({ env: {}, prompt }), 'from prompt');
  assert.equal(prompt.questions.length, 1);
  // An exported-but-empty variable counts as unset.
  assert.equal(await resolvePassphrase({ env: { [PASSPHRASE_ENV]: '' }, prompt: scripted('asked') }), 'asked');
});

test('the file gives its first line without the line ending; an empty one is refused', async () => {
  await withFile('  spaced pass  \r\n', async (path) => {
    assert.equal(await resolvePassphrase({ passphraseFile: path, env: {} }), '  spaced pass  ');
  });
  await withFile('no newline', async (path) => {
    assert.equal(await resolvePassphrase({ passphraseFile: path, env: {} }), 'no newline');
  });
  await withFile('\nsecond', async (path) => {
    await assert.rejects(resolvePassphrase({ passphraseFile: path, env: {} }), /is empty/);
  });
  await assert.rejects(resolvePassphrase({ passphraseFile: '/nonexistent/aitbc-pass', env: {} }), /ENOENT/);
});

test('confirm asks twice and refuses a mismatch', async () => {
  const same = scripted('hunter22', 'hunter22');
  assert.equal(await resolvePassphrase({ env: {}, prompt: same, confirm: true }), 'hunter22');
  assert.equal(same.questions.length, 2);
  await assert.rejects(resolvePassphrase({ env: {}, prompt: scripted('hunter22', 'hunter23'), confirm: true }), /do not match/);
  await assert.rejects(resolvePassphrase({ env: {}, prompt: scripted('') }), /must not be empty/);
  // Confirmation is for typing; a file or variable is not asked twice.
  assert.equal(await resolvePassphrase({ env: { [PASSPHRASE_ENV]: 'x' }, prompt: scripted(), confirm: true }), 'x');
});

test('without a terminal and without a file or variable, the advice is given', async () => {
  const notTty = Object.assign(new PassThrough(), { isTTY: false });
  await assert.rejects(createTtyPrompt(notTty, new PassThrough())('Wallet passphrase: '), (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.equal(error.message, NO_TTY_ADVICE);
    assert.match(error.message, /--passphrase-file/);
    assert.match(error.message, /AITBC_WALLET_PASSPHRASE/);
    return true;
  });
  // The real default prompt behaves the same when this process has no terminal (as under the runner).
  if (!process.stdin.isTTY) {
    await assert.rejects(resolvePassphrase({ env: {} }), /--passphrase-file.*AITBC_WALLET_PASSPHRASE/);
  }
});

test('the terminal prompt reads a line without echoing it', async () => {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => { shown += chunk.toString('utf8'); });
  const answer = createTtyPrompt(input, output)('Wallet passphrase: ');
  input.write('s3cret pass\r');
  assert.equal(await answer, 's3cret pass');
  assert.equal(shown.includes('s3cret'), false, 'not echoed');
  assert.ok(shown.startsWith('Wallet passphrase: '));
});

test('a new wallet\'s passphrase must be long and varied; the check runs whatever the source, before asking again', async () => {
  assert.equal(passphraseWeakness('correct horse battery staple'), null);
  assert.equal(passphraseWeakness('Tr0ub4dor&3x'), null);
  assert.match(passphraseWeakness('x')!, /too weak: it has 1 character\. Use at least 12 characters/);
  assert.match(passphraseWeakness('hunter2hunt')!, /it has 11 characters/);
  assert.match(passphraseWeakness('121212121212')!, /only 2 different characters/);
  const refuse = (passphrase: string) => {
    const weakness = passphraseWeakness(passphrase);
    if (weakness) throw new Error(weakness);
  };
  const asked = scripted('short', 'short');
  await assert.rejects(resolvePassphrase({ env: {}, prompt: asked, confirm: true, check: refuse }), /too weak/);
  assert.equal(asked.questions.length, 1, 'refused before the repeat prompt');
  await assert.rejects(resolvePassphrase({ env: { [PASSPHRASE_ENV]: 'short' }, check: refuse }), /too weak/);
  await withFile('short\n', async (path) => {
    await assert.rejects(resolvePassphrase({ passphraseFile: path, env: {}, check: refuse }), /too weak/);
  });
  assert.equal(await resolvePassphrase({ env: { [PASSPHRASE_ENV]: 'correct horse battery staple' }, check: refuse }), 'correct horse battery staple');
});
