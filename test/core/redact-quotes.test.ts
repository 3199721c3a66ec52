/**
 * Quoted password values whose quote is written twice to stand for itself: SQL and YAML
 * single-quoted strings (`'it''s'`), where a pattern reading libpq's quoting ended the value at
 * the first `''` and showed the rest. Each case showed part of the password before the fix.
 */
import { describe, expect, it } from 'vitest';
import { maskKeywordPasswords } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';
import { bestCpuMs } from '../helpers/cpu-time.js';

describe("gap 2: a doubled quote inside a quoted value (`'it''s-secret'`)", () => {
  it('after `=`: the value is masked to its real closing quote', () => {
    expect(redactPostgres("password='it''s-secret' host=db", [])).toBe('password=*** host=db');
    expect(redact("password='it''s-secret' host=db")).toBe('password=[redacted] host=db');
    expect(maskKeywordPasswords("failed: PGPASSWORD='a''b''c d' psql", '#')).toBe('failed: PGPASSWORD=# psql');
  });

  it("after a YAML key: `\\` is no escape in a single-quoted YAML string, `''` is", () => {
    expect(redactPostgres("password: 'a''\\''b c'\nhost: db", [])).toBe("password: '***'\nhost: db");
    expect(redact("password: 'a''\\''b c'\nhost: db")).toBe("password: '[redacted]'\nhost: db");
  });

  it('an empty quoted value and two quoted values stay as they were', () => {
    expect(redactPostgres("password='' host=db 'x'", [])).toBe("password=*** host=db 'x'");
    expect(redactPostgres("password='a' and 'b'", [])).toBe("password=*** and 'b'");
    expect(redactPostgres("password: 'a' # 'b'", [])).toBe("password: '***' # 'b'");
  });
});

describe('doubled quotes on hostile input', () => {
  it('four times the text takes about four times the time, never sixteen', () => {
    const fill = (size: number, unit: string): string => unit.repeat(Math.ceil(size / unit.length));
    const slow: string[] = [];
    for (const unit of ["password='a''", "password=''", "password: 'a''\\", "''password='", "password='a'' "]) {
      // Sizes 4x apart: a linear reading takes ~4x, one growing as the square of the size ~16x,
      // so the 8x bound stays clear of both under load (2x apart, a 3x bound failed once in a
      // full run on 2 loaded cores). Large enough that the time is the reading's, not the slack's.
      const [smallText, largeText] = [fill(400_000, unit), fill(1_600_000, unit)];
      redactPostgres(smallText, []);
      redactPostgres(largeText, []);
      const ms = (text: string): number => bestCpuMs(() => redactPostgres(text, []), 3);
      const [small, large] = [ms(smallText), ms(largeText)];
      if (large > 8 * small + 50 || small > 2000) slow.push(`${JSON.stringify(unit)}: ${small.toFixed(0)} ms, ${large.toFixed(0)} ms on four times the text`);
    }
    expect(slow).toEqual([]);
  }, 60_000);
});
