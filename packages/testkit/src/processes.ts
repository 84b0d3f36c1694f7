// Running `aitbc` as a person would: a separate process, awaited until it says it is ready, and
// never outliving the test file (a failed assertion must not leave a server running).

import { after } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `aitbc` command of the workspace's CLI package, run as `npx aitbc` would. */
export const AITBC = fileURLToPath(new URL('../bin/aitbc.js', import.meta.resolve('@aitbc/cli')));

const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Started {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr together. */
  output: () => string;
  ready: RegExpExecArray;
}

export interface ProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to its stdin, which then ends (execAitbc); without it stdin is empty. */
  input?: string;
}

/** Starts `aitbc <args>` and resolves once its output matches `ready`. */
export function startAitbc(args: string[], ready: RegExp, options: ProcessOptions = {}): Promise<Started> {
  const child = spawn(process.execPath, [AITBC, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) resolve({ child, output: () => output, ready: match });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`aitbc ${args.join(' ')} exited with ${code} before it was ready:\n${output}`)));
  });
}

/** Sends `signal` and resolves with the exit code. */
export function stopWith(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

/** Runs `aitbc <args>` to completion. */
export function runAitbc(args: string[], options: ProcessOptions = {}) {
  return spawnSync(process.execPath, [AITBC, ...args], { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', timeout: 60_000 });
}

/** Runs `aitbc <args>` to completion without blocking: several commands can run at once. */
export function execAitbc(args: string[], options: ProcessOptions = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AITBC, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: 60_000 });
    running.add(child);
    child.stdin?.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => {
      running.delete(child);
      resolve({ status, stdout, stderr });
    });
  });
}

export interface Terminal {
  /** What the terminal shows so far, without carriage returns and escape sequences (erased lines, cursor moves, colours). */
  screen(): string;
  /** Types into the terminal: '\x03' is Ctrl-C, '\x04' Ctrl-D, as a person's keyboard sends them. */
  type(text: string): void;
  exited: Promise<number | null>;
  kill(): void;
}

/** `aitbc <args>` on a pseudo-terminal (util-linux `script`), so it runs as in a person's terminal. */
export function inTerminal(args: string[], options: ProcessOptions = {}): Terminal {
  const command = ['exec', process.execPath, AITBC, ...args].map((word) => `'${word}'`).join(' ');
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let screen = '';
  child.stdout!.on('data', (chunk: Buffer) => (screen += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { screen: () => screen.replace(/\r|\x1b\[[0-9;?]*[A-Za-z]/g, ''), type: (text) => void child.stdin!.write(text), exited, kill: () => void child.kill('SIGKILL') };
}
