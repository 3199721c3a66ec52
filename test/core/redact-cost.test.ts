/**
 * What the policies cost on a 1 MB message with 50 known secrets, against the modules before
 * this round (test/fixtures/redact-main), measured in the same run: reading the text again with
 * its JSON escapes undone costs little on a message without nested JSON, and on one made of
 * nothing else (a password setting and two URLs per 200 characters, three levels deep) at most
 * two to three times what the modules before cost (three levels of views, each read for
 * settings and URLs; the bound here is 4x, as the figures before vary by half under load).
 * Figures on the machine that wrote this (CPU ms, now / before, load 4-6 on 2 cores): plain
 * 45/60, JSON log 40/55, dense nested JSON 205-300/70-105 (notifiers), 145/75 (PostgreSQL),
 * 75/45 (Redis).
 */
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/notifiers/redact.js';
import { redactRedis } from '../../src/storage/redis/redis-errors.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';
import { redact as mainRedact } from '../fixtures/redact-main/notifiers/redact.js';
import { redactRedis as mainRedactRedis } from '../fixtures/redact-main/storage/redis/redis-errors.js';
import { redactPostgres as mainRedactPostgres } from '../fixtures/redact-main/storage/postgres/postgres-errors.js';
import { bestCpuMs } from '../helpers/cpu-time.js';

const secrets = Array.from({ length: 50 }, (_, i) => `s3cret-${i}-p@ss/w"rd`);
const megabyte = (unit: string): string => unit.repeat(Math.ceil(1_000_000 / unit.length));
const messages: [string, string, number][] = [
  ['plain text', megabyte(`connection refused for user bob at host db, retrying with ${secrets[7]} `), 1.5],
  ['a JSON log', megabyte(`${JSON.stringify({ msg: JSON.stringify({ e: 'some "quoted" text, a path C:\\x and words', n: 12345 }) })}\n`), 1.5],
  ['nested JSON made of settings and URLs', megabyte(`${JSON.stringify({ msg: JSON.stringify({ e: `postgres://app:${secrets[3]}@db/x failed: password=abc host=db "password": "x" redis:\\/\\/u:pw@h`, owner: 'ops@example.com' }) })}\n`), 4],
];
const policies: [string, (text: string) => string, (text: string) => string][] = [
  ['redact', (t) => redact(t, secrets), (t) => mainRedact(t, secrets)],
  ['redactRedis', (t) => redactRedis(t, secrets), (t) => mainRedactRedis(t, secrets)],
  ['redactPostgres', (t) => redactPostgres(t, secrets), (t) => mainRedactPostgres(t, secrets)],
];

describe('a 1 MB message with 50 known secrets', () => {
  it('costs about what it cost before this round, and a bounded multiple of it on nested JSON', () => {
    const slow: string[] = [];
    for (const [what, text, ratio] of messages) {
      for (const [name, now, before] of policies) {
        const ms = bestCpuMs(() => now(text), 3);
        const was = bestCpuMs(() => before(text), 3);
        // 25 ms of slack for timer and scheduling noise (2 shared cores).
        if (ms > ratio * was + 25) slow.push(`${name} on ${what}: ${ms.toFixed(0)} ms, before ${was.toFixed(0)} ms`);
      }
    }
    expect(slow).toEqual([]);
  }, 60_000);
});
