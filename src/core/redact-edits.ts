/**
 * Masking as edits of the text as given. Each pass (the known secrets, the URL scanner, the
 * password settings, the token shapes) says which ranges of the original text it would mask,
 * and the union is masked once. Masking with one pass and then looking with the next on what
 * is left let the first break what the next looks for: a known secret `postgres` masked first
 * left `***://replica:pw@db`, no longer a URL, so its password showed; a pattern masking first
 * cut a known password in two (`password=ab cdef` showed `cdef`).
 */

/** A range of a text, [start, end), and what replaces it (start = end inserts it). */
export type Edit = readonly [start: number, end: number, replacement: string];

/**
 * `text` with `edits` (ranges of `text` as given) applied. Overlapping ranges are replaced as
 * one run, by the replacement of the longest of them (the first listed among equals); ranges
 * that only touch stay apart (`abcabc` with `abc` known is two masks).
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  if (edits.length === 0) return text;
  let order: number[] | undefined;
  for (let i = 1; i < edits.length && order === undefined; i++) {
    if (edits[i]![0] < edits[i - 1]![0]) order = edits.map((_, k) => k).sort((a, b) => edits[a]![0] - edits[b]![0] || a - b);
  }
  const at = (i: number): Edit => edits[order === undefined ? i : order[i]!]!;
  const rank = (i: number): number => (order === undefined ? i : order[i]!);
  let out = '';
  let done = 0;
  for (let i = 0; i < edits.length; ) {
    const [start] = at(i);
    let [, end, replacement] = at(i);
    let longest = end - start;
    let first = rank(i);
    let j = i + 1;
    // Same start, or starting inside the run: one run.
    for (; j < edits.length && (at(j)[0] < end || at(j)[0] === start); j++) {
      const [s, e, r] = at(j);
      if (e - s > longest || (e - s === longest && rank(j) < first)) {
        longest = e - s;
        replacement = r;
        first = rank(j);
      }
      if (e > end) end = e;
    }
    out += text.slice(done, start) + replacement;
    done = end;
    i = j;
  }
  return out + text.slice(done);
}
