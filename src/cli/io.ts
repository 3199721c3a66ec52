import { MASKED, maskSecrets, MIN_SECRET_LENGTH } from '../core/redact.js';

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
  const secrets = scrubber();
  return {
    out: (text) => void process.stdout.write(secrets.apply(text)),
    err: (text) => void process.stderr.write(secrets.apply(text)),
    env: process.env,
    secret: (value) => secrets.add(value),
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

/** Secrets to blank out of text, and the blanking. */
export interface Scrubber {
  /** Registers a secret; values under 4 characters are ignored (they would blank ordinary text). */
  add(value: string | undefined): void;
  /** `text` with every registered secret replaced by `***`. */
  apply(text: string): string;
}

/**
 * A {@link Scrubber}: what {@link processIo} writes through. The masking is core/redact.ts's, the
 * one the notifiers and storage adapters use: replacing one secret after another (as this did)
 * cut a secret that overlaps another in two and printed the rest (`alice_secret9` with
 * `alice_sec` and `secret9` registered showed `***ret9`); overlapping ones now go as one run.
 */
export function scrubber(): Scrubber {
  const secrets: string[] = [];
  return {
    add(value) {
      if (value === undefined || value.length < MIN_SECRET_LENGTH) return;
      // --json quotes messages: a secret with a quote, a backslash or a control character shows
      // there in its escaped form, which must be blanked too.
      const escaped = JSON.stringify(value).slice(1, -1);
      for (const s of escaped === value ? [value] : [value, escaped]) if (!secrets.includes(s)) secrets.push(s);
    },
    apply: (text) => maskSecrets(text, secrets, MASKED),
  };
}
