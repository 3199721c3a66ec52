import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The CLI's entry, run through tsx: the built bin (dist/cli.js) needs a tsup entry the build
 * does not have yet (see docs/cli.md); once it does, these tests should run `dist/cli.js`.
 */
export const CLI_ENTRY = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

/** What one CLI run printed and how it ended. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child: this one's, minus every PULSEWATCH_* variable, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PULSEWATCH_')) clean[k] = v;
  return { ...clean, ...env };
}

/** Starts `pulsewatch <args>` as a child process (its own node, so SIGINT reaches the CLI itself). */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `pulsewatch <args>` to its end. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves with everything printed so far once `stream` has printed text matching `pattern`. */
export function waitForOutput(stream: NodeJS.ReadableStream, pattern: RegExp, what: string, exited: Promise<unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (c: Buffer): void => {
      seen += c.toString();
      if (pattern.test(seen)) {
        stream.off('data', onData);
        resolve(seen);
      }
    };
    stream.on('data', onData);
    void exited.then(() => reject(new Error(`the CLI exited before printing ${what}; it printed:\n${seen}`)));
  });
}

/**
 * Test timeout of the suites that start the CLI: each run is a node process compiling the CLI
 * through tsx, a few seconds on a machine shared with other suites. A bound, not a wait.
 */
export const CHILD_TIMEOUT = 90_000;
