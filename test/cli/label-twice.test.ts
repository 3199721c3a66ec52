/**
 * `--label` given twice for one name is a usage error (exit 3), as a label given twice is a 400
 * on the monitoring handler: a series has one value per label, and keeping the last silently
 * checked `--label route=/b` alone for `--label route=/a --label route=/b`.
 */
import { describe, expect, it } from 'vitest';
import { CHILD_TIMEOUT, runCli } from './helpers/run-cli.js';

describe('--label given twice', { timeout: CHILD_TIMEOUT }, () => {
  it('with two values for one name exits 3 naming --label, before anything is read', async () => {
    const run = await runCli(['check', 'http://127.0.0.1:9/api/monitoring', '--label', 'route=/a', '--label', 'route=/b', '--fail', 'p95 < 1s']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/option '-l, --label <name=value>' argument 'route=\/b' is invalid\. "route" is given twice/);
    expect(run.stdout).toBe('');
  });

  it('the same value twice is fine', async () => {
    // Nothing listens on port 9: the check runs (exit 3 as unreachable), the flags were read.
    const run = await runCli(['check', 'http://127.0.0.1:9/api/monitoring', '--label', 'route=/a', '--label', 'route=/a', '--fail', 'p95 < 1s', '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'unknown', error: { code: 'ERR_PULSEWATCH_CLI_UNREACHABLE' } });
  });
});
