import { Command, CommanderError } from 'commander';
import { maskUnknownOptionValues } from '../core/redact.js';
import { checkCommand, ENV } from './commands/check.js';
import { dashboardCommand, rulesCommand } from './commands/export.js';
import { EXIT_CODES } from './errors.js';
import type { CliIo } from './io.js';
import { VERSION } from './version.js';

/**
 * Runs the `pulsewatch` CLI on `argv` (as `process.argv`: node, script, args...) and resolves
 * its exit code. Commander parses; every usage error (unknown flag, bad value, missing
 * argument) is exit 3 like any invalid input, and `--help` is exit 0.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT_CODES.ok;
  // Known before commander runs, so that not even a usage error can echo the token.
  io.secret(io.env[ENV.token]);
  argv.forEach((arg, i) => io.secret(arg === '--token' ? argv[i + 1] : arg.startsWith('--token=') ? arg.slice('--token='.length) : undefined));
  const program = new Command('pulsewatch')
    .description('Check pulsewatch budgets (latency, error rate, throughput) against a running service or Prometheus; write its alert rules for Prometheus and a Grafana dashboard.')
    .version(VERSION, '-V, --version', 'print the version of pulsewatch and exit')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(redactUnknown(s)) })
    .showHelpAfterError('(run with --help for usage)');
  for (const make of [checkCommand, rulesCommand, dashboardCommand]) {
    program.addCommand(make(io, (code) => (exitCode = code)).exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(redactUnknown(s)) }));
  }
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help, `help check` and --version exit 0; help shown for a usage error (no command) does not.
      if (error.exitCode === 0) return EXIT_CODES.ok;
      // A machine asked for JSON: a usage error is a JSON document too (commander wrote the words to stderr).
      if (argv.includes('--json')) {
        const message = redactUnknown(error.message).replace(/^error: /, '');
        io.out(`${JSON.stringify({ status: 'unknown', exitCode: EXIT_CODES.unknown, error: { code: 'ERR_PULSEWATCH_CLI_INPUT', message } })}\n`);
      }
      return EXIT_CODES.unknown;
    }
    io.err(`pulsewatch: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_CODES.unknown;
  }
  return exitCode;
}

/**
 * Commander quotes an unknown option whole: a mistyped `--tokne=<token>` would print the token,
 * which was not registered as a secret (only `--token` is). The value after `=` is left out,
 * with core/redact.ts's pattern (the one place masking patterns live).
 */
function redactUnknown(text: string): string {
  return maskUnknownOptionValues(text, '…');
}
