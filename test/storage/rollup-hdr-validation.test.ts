import { describe, expect, it } from 'vitest';
import type { Rollup } from '../../src/index.js';
import { rollupProblem } from '../../src/storage/rollup-validation.js';

const base: Rollup = { name: 'latency_seconds', kind: 'histogram', labels: {}, start: 0, end: 30_000, count: 1, sum: 1, min: 1, max: 1, resolution: 1e-6 };

describe('rollup hdr validation', () => {
  it('accepts base64 text: its alphabet, with = only as the last one or two characters', () => {
    for (const hdr of [undefined, '', 'HISTFAAAACl4nJNpmSzMwMDAyAABzFCaEUoz', 'ab+/', 'AB=', 'AB==']) expect(rollupProblem({ ...base, hdr })).toBeUndefined();
  });

  it('refuses anything else, naming the field', () => {
    for (const hdr of ['AB===', 'A=B', 'A=B=', '=AB', 'AB=C', 'A B', 'AB\n', 'AB-_', 'é', 42]) {
      expect([hdr, rollupProblem({ ...base, hdr })]).toEqual([hdr, 'hdr must be a base64 string when present']);
    }
  });
});
