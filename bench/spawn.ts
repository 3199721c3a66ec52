/**
 * Starts child.ts in a fresh Node process with --expose-gc. The parent's execArgv is reused so
 * the child loads TypeScript the same way the parent does (tsx's loader under `npm run bench`).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildTask } from './child.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** Runs one child task and returns its parsed result. */
export function runChild<T>(task: ChildTask, count: number, options: { series?: number; v8Flags?: readonly string[] } = {}): Promise<T> {
  const args = [...process.execArgv, '--expose-gc', ...(options.v8Flags ?? []), CHILD, task, String(count), String(options.series ?? 0)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`bench child ${task} failed: ${error.message}\n${stderr}`));
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      resolve((JSON.parse(line) as { result: T }).result);
    });
  });
}
