import { describe, expect, it } from 'vitest';
import { Deque } from '../../src/jobs/deque.js';

describe('Deque (the waiting jobs of a priority)', () => {
  it('takes items in the order they came, across chunk edges, however pushes and takes interleave', () => {
    const deque = new Deque<number>();
    const model: number[] = [];
    let seed = 7;
    const random = (): number => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
    let next = 0;
    const taken: number[] = [];
    const expected: number[] = [];
    for (let step = 0; step < 20_000; step++) {
      // Phases that grow the deque past several chunks, then drain it to empty and below.
      const pushing = Math.floor(step / 2_500) % 2 === 0 ? random() < 0.7 : random() < 0.3;
      if (pushing) {
        deque.push(next);
        model.push(next++);
      } else {
        taken.push(deque.shift() ?? -1);
        expected.push(model.shift() ?? -1);
      }
      expect(deque.size).toBe(model.length);
    }
    expect(taken).toEqual(expected);
    expect(deque.takeAll()).toEqual(model);
    expect(deque.size).toBe(0);
    expect(deque.shift()).toBeUndefined();
    deque.push(1);
    expect(deque.takeAll()).toEqual([1]);
  });
});
