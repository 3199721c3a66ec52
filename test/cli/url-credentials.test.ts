/**
 * A source URL with a user and password (`http://alice:pw@host/...`) never has its password
 * printed: fetch refuses such a URL with a message quoting it whole, which the CLI printed on
 * stderr and in --json as "cannot reach". It is invalid input (exit 3) naming where the URL came
 * from, without the URL.
 */
import { describe, expect, it } from 'vitest';
import { CHILD_TIMEOUT, runCli } from './helpers/run-cli.js';

const PASSWORD = 's3cretpw-9f8e7d';
const URL_WITH_CREDENTIALS = `http://alice:${PASSWORD}@127.0.0.1:9/api/monitoring`;

describe('a source URL with credentials', { timeout: CHILD_TIMEOUT }, () => {
  it.each([
    ['check, the url argument', ['check', URL_WITH_CREDENTIALS, '--fail', 'p95 < 1s'], {}, /^pulsewatch check: url: /],
    ['check --json', ['check', URL_WITH_CREDENTIALS, '--fail', 'p95 < 1s', '--json'], {}, /^pulsewatch check: url: /],
    ['check, PULSEWATCH_URL', ['check', '--fail', 'p95 < 1s'], { PULSEWATCH_URL: URL_WITH_CREDENTIALS }, /^pulsewatch check: PULSEWATCH_URL: /],
    ['check --prometheus', ['check', '--prometheus', URL_WITH_CREDENTIALS.replace('/api/monitoring', ''), '--fail', 'p95 < 1s'], {}, /^pulsewatch check: --prometheus: /],
    ['dashboard', ['dashboard', URL_WITH_CREDENTIALS], {}, /^pulsewatch dashboard: url: /],
  ])('%s: exits 3 as invalid input and never prints the password', async (_, args, env, message) => {
    const run = await runCli(args, env);
    expect(run.code).toBe(3);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('a user or password');
  });
});
