/**
 * The built bin itself: what package.json's `bin` names, run as a shell runs it, answers
 * --version with the package's version and --help for every command with exit 0.
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHILD_TIMEOUT, cliPath, runCli } from './helpers/run-cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; bin: Record<string, string> };

describe('the pulsewatch bin', { timeout: CHILD_TIMEOUT }, () => {
  it('is the built bundle: an executable file with a node shebang, not the TypeScript source', () => {
    const path = cliPath();
    expect(path).toMatch(/cli\.js$/);
    expect(readFileSync(path, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(path).mode & 0o111).not.toBe(0);
    expect(pkg.bin['pulsewatch']).toBe('./dist/cli.js');
  });

  it.each([['--version'], ['-V']])('%s prints the version of package.json and exits 0', async (flag) => {
    const run = await runCli([flag]);
    expect(run).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('--help lists every command and --version', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Usage: pulsewatch \[options\] \[command\]/);
    for (const line of [/^\s+-V, --version\s+print the version/m, /^\s+check \[options\] \[url\]/m, /^\s+rules \[options\] \[url\]/m, /^\s+dashboard \[options\] \[url\]/m]) {
      expect(run.stdout).toMatch(line);
    }
  });

  it.each([
    { command: 'check', lines: [/--prometheus <url>/, /--watch/, /--interval <duration>/, /Exit codes: 0 every budget holds/] },
    { command: 'rules', lines: [/--group <name>/, /-o, --out <file>/] },
    { command: 'dashboard', lines: [/--title <title>/, /-o, --out <file>/] },
  ])('$command --help (and help $command) prints its usage and exits 0', async ({ command, lines }) => {
    const [flag, help] = await Promise.all([runCli([command, '--help']), runCli(['help', command])]);
    for (const run of [flag, help]) {
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(new RegExp(`^Usage: pulsewatch ${command} \\[options\\] \\[url\\]`));
      for (const line of lines) expect(run.stdout).toMatch(line);
    }
    expect(help.stdout).toBe(flag.stdout);
  });

  it('a usage error (no command, an unknown command) exits 3 with the usage on stderr', async () => {
    const [none, unknown] = await Promise.all([runCli([]), runCli(['chek'])]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/Usage: pulsewatch/);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/unknown command 'chek'/);
  });
});
