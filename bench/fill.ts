import type { BoundHistogram } from '../src/index.js';

/**
 * The benches' steady traffic: a function that records 3 observations into every series of
 * `lists` (in order), 0.01-1.01 s spread by a fixed stride, the sequence continuing call after
 * call. The alert, fleet and snapshot benches fill their rings with it.
 */
export function fillThree(...lists: readonly (readonly BoundHistogram[])[]): () => void {
  let k = 0;
  return () => {
    for (const list of lists) for (const b of list) for (let j = 0; j < 3; j++) b.observe(0.01 + ((k++ * 7919) % 1000) / 1000);
  };
}
