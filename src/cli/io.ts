/**
 * The process as the CLI sees it: output streams, the environment and Ctrl-C. Writes go through
 * {@link CliIo.out}/{@link CliIo.err}, which blank out every secret registered with
 * {@link CliIo.secret}, so a token can never reach a terminal or a CI log, whatever message
 * would have quoted it.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Registers a value that must never be printed (the bearer token). */
  secret(value: string | undefined): void;
  onInterrupt(handler: () => void): void;
  offInterrupt(handler: () => void): void;
}

/** The real process: stdout, stderr, `process.env`, SIGINT and SIGTERM. */
export function processIo(): CliIo {
  // `pulsewatch check ... | head` closes the pipe early: end quietly, as other CLIs do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
  const secrets: string[] = [];
  const scrub = (text: string): string => secrets.reduce((t, s) => t.split(s).join('***'), text);
  return {
    out: (text) => void process.stdout.write(scrub(text)),
    err: (text) => void process.stderr.write(scrub(text)),
    env: process.env,
    secret(value) {
      // Very short values would blank ordinary text; a real token is longer than this.
      if (value !== undefined && value.length >= 4 && !secrets.includes(value)) secrets.push(value);
    },
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
    },
    offInterrupt(handler) {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
