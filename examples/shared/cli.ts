// Shared by the seed examples (001 and 004).
// Runs the `pulsewatch` CLI as a child process, the way a CI step or an operator would.
// Inside this repository the package's own bin is not in node_modules/.bin, so this finds it:
// PULSEWATCH_BIN (a built cli.js; the tests pass theirs), else the built bin (dist/cli.js,
// `npm run build`) when it exists, else its source through tsx.
// In an app that installed pulsewatch this is just `npx pulsewatch ...`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BUILT = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const SOURCE = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** The node arguments that start `pulsewatch`: a built bin, or the source through tsx. */
export function cliCommand(): string[] {
  const bin = process.env['PULSEWATCH_BIN'];
  if (bin !== undefined && bin !== '') return [bin];
  return existsSync(BUILT) ? [BUILT] : ['--import', 'tsx', SOURCE];
}

/** What one CLI run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `pulsewatch <args>`; `env` is added to this process's environment. */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [...cliCommand(), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits for a started CLI to end, collecting what it printed. */
export function collect(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `pulsewatch <args>` to its end. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return collect(spawnCli(args, env));
}
