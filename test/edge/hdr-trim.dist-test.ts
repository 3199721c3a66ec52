// The hdr-histogram-js trim of tsup.config.ts (JS histograms only, no WebAssembly, zlib through
// process.getBuiltinModule instead of eval) keeps HdrHistogram's encoding: what the trimmed
// library encodes on an edge runtime (pako) the full library decodes in Node (zlib), and back.
import { build } from 'esbuild';
import { EdgeRuntime } from 'edge-runtime';
import * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { hdrHistogramTrim } from '../../tsup.config.js';

const snippet = `
import * as hdr from 'hdr-histogram-js';
const counts = (h) => { const out = []; for (let i = 0; i < h.countsArrayLength; i++) { const c = h.getCountAtIndex(i); if (c > 0) out.push([h.valueFromIndex(i), c]); } return out; };
globalThis.encode = (values) => {
  const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3 });
  for (const v of values) h.recordValue(v);
  return hdr.encodeIntoCompressedBase64(h);
};
globalThis.decode = (encoded) => counts(hdr.decodeFromCompressedBase64(encoded, 32));
`;

function counts(h: JsHistogram): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < h.countsArrayLength; i++) {
    const c = h.getCountAtIndex(i);
    if (c > 0) out.push([h.valueFromIndex(i), c]);
  }
  return out;
}

describe('hdr-histogram-js as pulsewatch bundles it', () => {
  it('round-trips HdrHistogram encodings with the full library', async () => {
    const bundled = await build({
      stdin: { contents: snippet, resolveDir: process.cwd(), loader: 'js' },
      bundle: true,
      platform: 'neutral',
      mainFields: ['module', 'main'],
      format: 'iife',
      write: false,
      logLevel: 'silent',
      plugins: [hdrHistogramTrim],
    });
    const code = bundled.outputFiles[0]!.text;
    expect(code).not.toMatch(/\beval\(|WebAssembly\.(?:Module|instantiate)/);
    const runtime = new EdgeRuntime({ initialCode: code });

    const values = Array.from({ length: 1000 }, (_, i) => 1 + ((i * 7919) % 250_000));
    const full = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3 }) as unknown as JsHistogram;
    for (const v of values) full.recordValue(v);
    const expected = counts(full);

    const fromNode = hdr.encodeIntoCompressedBase64(full as never);
    expect(runtime.evaluate(`decode(${JSON.stringify(fromNode)})`)).toEqual(expected);

    const fromEdge = runtime.evaluate(`encode(${JSON.stringify(values)})`) as string;
    expect(counts(hdr.decodeFromCompressedBase64(fromEdge, 32) as unknown as JsHistogram)).toEqual(expected);

    // On Node the bundle takes zlib from process.getBuiltinModule: the same bytes as the full library's.
    let zlibAsked = 0;
    const nodeLike = { process: { getBuiltinModule: (name: string) => (zlibAsked++, process.getBuiltinModule(name)) } };
    const realm = vm.createContext(nodeLike);
    vm.runInContext(code, realm);
    expect(zlibAsked).toBe(2);
    expect(vm.runInContext(`encode(${JSON.stringify(values)})`, realm)).toBe(fromNode);
  });
});
