import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What one promtool run printed. */
export interface PromtoolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real promtool with `args`, `input` on its stdin. */
export function promtool(args: string[], input?: string): PromtoolRun {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Installs promtool if it is missing (scripts/ensure-test-deps.sh, idempotent). Never skips:
 * without promtool the calling suite fails, loudly, with the installer's message.
 */
export function ensurePromtool(): void {
  const ensure = spawnSync('bash', [join(ROOT, 'scripts/ensure-test-deps.sh')], { encoding: 'utf8', timeout: 300_000 });
  if (ensure.status !== 0) {
    throw new Error(`promtool is required for these tests and scripts/ensure-test-deps.sh failed (exit ${ensure.status}):\n${ensure.stderr}${ensure.stdout}`);
  }
  const version = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error(`promtool --version failed: ${version.stderr}`);
}
