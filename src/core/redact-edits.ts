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
 * The indices of `edits` by start, and in their order among equal starts. Counted into place
 * when there are many (a policy reading nested JSON makes 150,000 on 1 MB, where a sort with a
 * comparator cost 25 ms), else sorted.
 */
function byStart(edits: readonly Edit[], length: number): ArrayLike<number> {
  if (edits.length < 1024 || edits.length * 16 < length || edits.some(([start]) => start < 0 || start > length)) {
    return edits.map((_, k) => k).sort((a, b) => edits[a]![0] - edits[b]![0] || a - b);
  }
  const next = new Int32Array(length + 2);
  for (const [start] of edits) next[start + 1]!++;
  for (let i = 1; i < next.length; i++) next[i]! += next[i - 1]!;
  const order = new Int32Array(edits.length);
  for (let k = 0; k < edits.length; k++) order[next[edits[k]![0]]!++] = k;
  return order;
}

/**
 * `text` with `edits` (ranges of `text` as given) applied. Overlapping ranges are replaced as
 * one run, by the replacement of the longest of them (the first listed among equals); ranges
 * that only touch stay apart (`abcabc` with `abc` known is two masks).
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  if (edits.length === 0) return text;
  let order: ArrayLike<number> | undefined;
  for (let i = 1; i < edits.length && order === undefined; i++) if (edits[i]![0] < edits[i - 1]![0]) order = byStart(edits, text.length);
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

// One level of JSON string escapes, as JSON.stringify writes them (and `\/`, as PHP's and
// others' encoders write a slash); any other backslash stays as it is (libpq's `\'`).
const JSON_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };

/**
 * `edits` in order and apart, as secretEdits returns them: overlapping ones joined as one run
 * with the replacement of the longest (the first listed among equals), as applyEdits reads them.
 */
export function joinRuns(edits: Edit[]): Edit[] {
  const order = edits.map((_, k) => k).sort((a, b) => edits[a]![0] - edits[b]![0] || a - b);
  const out: Edit[] = [];
  let run: [number, number, string, number] | undefined;
  for (const k of order) {
    const [start, end, replacement] = edits[k]!;
    if (run !== undefined && (start < run[1] || start === run[0])) {
      if (end - start > run[3]) [run[2], run[3]] = [replacement, end - start];
      run[1] = Math.max(run[1], end);
      continue;
    }
    if (run !== undefined) out.push([run[0], run[1], run[2]]);
    run = [start, end, replacement, end - start];
  }
  if (run !== undefined) out.push([run[0], run[1], run[2]]);
  return out;
}

/**
 * `text` read as the content of a JSON string (`\"` is `"`, `\\` is `\`, `\/` is `/`, `\n` a
 * line break, `\u00e4` is `ä`), with, for each of its characters and for its end, where that
 * character starts in `text`; undefined when `text` holds no escape to read.
 */
export function unescapeJson(text: string): { text: string; at: Int32Array } | undefined {
  let k = text.indexOf('\\');
  if (k === -1) return undefined;
  const at = new Int32Array(text.length + 1);
  let out = '';
  let done = 0;
  let read = false;
  for (; k !== -1; k = text.indexOf('\\', k)) {
    const c = text[k + 1];
    let to: string | undefined = c === undefined ? undefined : JSON_ESCAPES[c];
    let width = 2;
    if (c === 'u' && /^[0-9a-f]{4}$/i.test(text.slice(k + 2, k + 6))) {
      to = String.fromCharCode(parseInt(text.slice(k + 2, k + 6), 16));
      width = 6;
    }
    if (to === undefined) {
      // Not an escape JSON writes: the backslash and what follows stay.
      k += c === undefined ? 1 : 2;
      continue;
    }
    for (let i = done; i < k; i++) at[out.length + i - done] = i;
    out += text.slice(done, k);
    at[out.length] = k;
    out += to;
    done = k + width;
    k = done;
    read = true;
  }
  if (!read) return undefined;
  for (let i = done; i < text.length; i++) at[out.length + i - done] = i;
  out += text.slice(done);
  at[out.length] = text.length;
  return { text: out, at: at.subarray(0, out.length + 1) };
}

/**
 * The edits `pass` makes to `text` as given, and to `text` read as the content of a JSON string
 * (see {@link unescapeJson}) once, twice, up to `depth` times, each mapped back onto `text`: a
 * message quoting JSON quoted in JSON escapes its quotes and slashes (`\"password\":\"x\"`,
 * `redis:\/\/u:pw@h`, `password='a\\'b c'`), where a pass reading plain text lost the value's
 * end or missed the URL. The union only adds masks to what `pass` masks on `text` as given.
 * `pass` is told the level of escapes undone (0: `text` as given) and, in a view, its step map:
 * where each of its characters (and its end) starts in the view one level up, 1 character
 * after for one written there as itself. In a view, a JSON string's escaped quotes and its
 * closing quote are all `"`: only the closing one was a bare `"` one level up.
 */
export function throughJsonEscapes(text: string, pass: (text: string, level: number, step?: Int32Array) => Edit[], depth = 3): Edit[] {
  const edits = pass(text, 0);
  // The passes look for password settings and URLs: text with neither, at any depth of escapes
  // (`password`, `://`, `:\/\/`, or a `\u` escape that may spell one), has nothing more to show.
  if (!ESCAPED_ANCHOR.test(text)) return edits;
  let view = text;
  // Each level's step map, kept as it is (the passes read it): an edit is mapped back through
  // them in turn, a few lookups each, where composing the maps cost a pass over each.
  const steps: Int32Array[] = [];
  for (let level = 0; level < depth; level++) {
    const next = unescapeJson(view);
    if (next === undefined) break;
    steps.push(next.at);
    // The pass's edits are its own, fresh: moved onto `text` in place (no copy of each).
    for (const edit of pass(next.text, level + 1, next.at) as [number, number, string][]) {
      for (let j = steps.length - 1; j >= 0; j--) {
        edit[0] = steps[j]![edit[0]]!;
        edit[1] = steps[j]![edit[1]]!;
      }
      edits.push(edit);
    }
    view = next.text;
  }
  return edits;
}

const ESCAPED_ANCHOR = /password|:(?:\\*\/){2}|\\u[0-9a-f]{4}/i;
