/**
 * A mistyped flag's value in a usage error: commander quotes the flag whole, and its value (a
 * token under the wrong name, never registered as a secret) is masked with core/redact.ts's
 * pattern. It stopped at the value's first quote and printed the rest.
 */
import { describe, expect, it } from 'vitest';
import { scrubber, type CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { maskUnknownOptionValues } from '../../src/core/redact.js';

/** A CliIo that keeps what would be printed, through the CLI's scrubber. */
function recordingIo(): CliIo & { printed: () => string } {
  const scrub = scrubber();
  let printed = '';
  return {
    out: (t) => void (printed += scrub.apply(t)),
    err: (t) => void (printed += scrub.apply(t)),
    env: {},
    secret: (v) => scrub.add(v),
    onInterrupt: () => undefined,
    offInterrupt: () => undefined,
    printed: () => printed,
  };
}

describe('a mistyped --flag=value in a usage error', () => {
  it.each([["pw-typo'secret-end"], ['pw-typo\nsecret-end'], ["it's'secret-end"]])('shows the flag, and nothing of a value holding quotes or lines: %j', async (value) => {
    for (const json of [[], ['--json']]) {
      const io = recordingIo();
      const code = await runCli(['node', 'pulsewatch', 'check', 'http://127.0.0.1:9/api', '--fail', 'p95 < 1s', `--tokne=${value}`, ...json], io);
      expect(code).toBe(3);
      expect(io.printed()).toContain("unknown option '--tokne=…'");
      expect(io.printed()).not.toContain('secret-end');
      expect(io.printed()).not.toContain('typo');
    }
  });

  it('the pattern lives in core, and keeps the rest of the message', () => {
    expect(maskUnknownOptionValues("error: unknown option '--tokne=a'b'\n(Did you mean --token?)\n", '…')).toBe("error: unknown option '--tokne=…'\n(Did you mean --token?)\n");
    expect(maskUnknownOptionValues("error: unknown option '--verbose'", '…')).toBe("error: unknown option '--verbose'");
  });
});
