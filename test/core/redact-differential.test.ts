/**
 * Every policy masks at least what it masked before this round of fixes: the modules as they
 * were (test/fixtures/redact-main, copied from main at c7fb1eb) and the current ones are run
 * on the same seeded random messages (passwords, keys, quotes, escapes, URLs, JSON nesting,
 * prose), and each character the old policy masked must be masked by the new one. A fix that
 * masks more somewhere may not mask less anywhere else.
 */
import { describe, expect, it } from 'vitest';
import type { Edit } from '../../src/core/redact.js';
import { redactEdits } from '../../src/notifiers/redact.js';
import { redactRedisEdits } from '../../src/storage/redis/redis-errors.js';
import { connectionSecrets, redactPostgresEdits } from '../../src/storage/postgres/postgres-errors.js';
import { redactEdits as mainRedactEdits } from '../fixtures/redact-main/notifiers/redact.js';
import { redactRedisEdits as mainRedactRedisEdits } from '../fixtures/redact-main/storage/redis/redis-errors.js';
import { connectionSecrets as mainConnectionSecrets, redactPostgresEdits as mainRedactPostgresEdits } from '../fixtures/redact-main/storage/postgres/postgres-errors.js';
import { random } from '../helpers/random.js';

const CASES = 100_000;

/** A generator of messages shaped like what the policies see, from `seed`. */
function messages(seed: number): () => { text: string; password: string; connection: string } {
  const r = random(seed);
  const pick = <T>(items: ArrayLike<T>): T => items[Math.floor(r() * items.length)]!;
  const chars = 'abcXYZ019 _-.\'"\\/:;=,@?#&%{}[]()|><+*\n\t';
  const keys = ['password', 'sslpassword', 'PGPASSWORD', 'db_password', 'Password', '"password"', "'password'", '\\"password\\"', 'passwords', 'pass'];
  const equals = ['=', ' = ', ': ', ':', '":"', '\\":\\"', ':\n  ', ': |\n  ', ': >-\n    ', "='", '="', ":'", '=\\"'];
  const prose = ['failed', 'connection', 'for user', 'at', 'host=db', 'user=x', '{', '}', '[', ']', ',', ' ', '  ', '\n', '\n  ', '"', "'", '\\', '\\\\', '\\"', "''", '|', '>', 'password', 'authentication', '::', 'x@y', '%40', '\\/'];
  const schemes = ['redis', 'rediss', 'postgres', 'postgresql', 'https', 'smtp'];
  const word = (max: number): string => {
    let out = '';
    const n = 1 + Math.floor(r() * max);
    for (let i = 0; i < n; i++) out += r() < 0.5 ? pick('abcdefgh') : pick(chars);
    return out;
  };
  return () => {
    const password = r() < 0.1 ? pick(keys).replace(/\W/g, '') : word(14);
    const parts: string[] = [];
    const n = 1 + Math.floor(r() * 6);
    for (let i = 0; i < n; i++) {
      const kind = r();
      if (kind < 0.35) parts.push(`${pick(keys)}${pick(equals)}${r() < 0.6 ? password : word(10)}${r() < 0.5 ? pick(["'", '"', '\\"', '', ' ']) : ''}`);
      else if (kind < 0.6) {
        const slash = r() < 0.3 ? '\\/' : '/';
        parts.push(`${pick(schemes)}:${slash}${slash}${pick(['', 'u', 'app@srv', word(5)])}:${r() < 0.7 ? password : word(8)}@${pick(['h', 'db:5432', 'cache:6379', '[::1]:6379'])}${pick(['', `${slash}db`, '?a=b@c', ',v:pw2@h2', `${slash}x?password=${word(6)}`])}`);
      } else if (kind < 0.7) parts.push(password);
      else parts.push(pick(prose));
      parts.push(pick([' ', '', ', ', '\n', '; ', ' ', ' ']));
    }
    let text = parts.join('');
    const depth = r() < 0.5 ? 0 : Math.floor(r() * 4);
    for (let d = 0; d < depth; d++) text = JSON.stringify(r() < 0.5 ? { m: text, owner: 'ops@example.com' } : { config: text });
    const connection = pick([`postgres://app:${password}@db/x`, `host=db password=${password}`, `host=db sslpassword=${password} password=pw${password}`, `postgres://app@db/x?sslpassword=${encodeURIComponent(password)}`]);
    return { text, password, connection };
  };
}

/** The characters of `text` that `edits` mask (replace), as a bit per index. */
function masked(length: number, edits: readonly Edit[]): Uint8Array {
  const out = new Uint8Array(length);
  for (const [start, end] of edits) out.fill(1, start, end);
  return out;
}

/** The first index `before` masks and `after` does not, or -1. */
function lessMasked(length: number, before: readonly Edit[], after: readonly Edit[]): number {
  const was = masked(length, before);
  const now = masked(length, after);
  for (let k = 0; k < length; k++) if (was[k] === 1 && now[k] === 0) return k;
  return -1;
}

describe('every policy masks at least what main masked (seeded random messages)', () => {
  it(`over ${CASES.toLocaleString('en')} cases`, () => {
    const next = messages(0x14);
    const worse: string[] = [];
    for (let n = 0; n < CASES && worse.length < 5; n++) {
      const { text, password, connection } = next();
      const known = n % 3 === 0 ? [] : [password];
      const pgKnown = n % 3 === 0 ? [] : connectionSecrets(connection, undefined);
      const policies: [string, Edit[], Edit[]][] = [
        ['redact', mainRedactEdits(text, known), redactEdits(text, known)],
        ['redactRedis', mainRedactRedisEdits(text, known), redactRedisEdits(text, known)],
        ['redactPostgres', mainRedactPostgresEdits(text, pgKnown), redactPostgresEdits(text, pgKnown)],
      ];
      for (const [name, before, after] of policies) {
        const at = lessMasked(text.length, before, after);
        if (at >= 0) worse.push(`${name} ${JSON.stringify(text)} (known ${JSON.stringify(known)}): index ${at} no longer masked`);
      }
      const secrets = connectionSecrets(connection, undefined);
      const lost = mainConnectionSecrets(connection, undefined).filter((s) => !secrets.includes(s));
      if (lost.length > 0) worse.push(`connectionSecrets ${JSON.stringify(connection)} lost ${JSON.stringify(lost)}`);
    }
    expect(worse).toEqual([]);
    // About 10 s alone; more beside the other test files on 2 shared cores.
  }, 120_000);
});
