/**
 * A YAML block scalar as a password's value (`password: |`, then indented lines): where its
 * header is and where its lines end. Split from redact-keyword.ts, which masks them.
 */
// A YAML block scalar's header: `|` or `>`, a chomping and an indentation indicator in either
// order, maybe a comment; after a tag or an anchor, or both (`!!str |`, `&pw >-`).
export const BLOCK_SCALAR = /^(?:[!&][^\s,]*[ \t]+){0,2}[|>](?:[1-9][+-]?|[+-][1-9]?)?(?:[ \t]+#.*)?[ \t]*$/;

// In a view of a JSON string's content (its escapes undone), the quote that closes the string:
// one before what follows a JSON value (`s3cret","level":...`), or at the end of the text.
const CLOSING_QUOTE = /"[ \t]*(?:[,}\]]|$)/y;

/**
 * Where the first closing quote (see CLOSING_QUOTE) between `from` and `to` is, or -1. With the
 * view's step map (see throughJsonEscapes), only a quote written as itself one level up: the
 * string's text had its own quotes escaped (`{\"k\":\"v\",...`), and they read as `"` here too.
 */
function closingQuote(text: string, from: number, to: number, step: Int32Array | undefined): number {
  for (let k = from; k < to; k++) {
    if (text[k] !== '"' || (step !== undefined && step[k + 1]! - step[k]! !== 1)) continue;
    CLOSING_QUOTE.lastIndex = k;
    if (CLOSING_QUOTE.test(text)) return k;
  }
  return -1;
}

/**
 * The end of a YAML block scalar whose key starts at `key` and whose header ends at `end` (a
 * line break or the end): its lines are those after the header more indented than the key's
 * line, blank lines among them included, up to the end of the last that is not blank. In a view
 * of a JSON string (`inString`) the block also ends where that string does: its last line ran
 * on past the closing quote, over the rest of a JSON log (`","level":"error",...`); a step map
 * for `inString` tells that quote from those the string's text escaped (see closingQuote).
 */
export function blockScalarEnd(text: string, key: number, end: number, inString: boolean | Int32Array): number {
  let k = key;
  while (k > 0 && text[k - 1] !== '\n' && text[k - 1] !== '\r') k--;
  let indent = 0;
  while (text[k + indent] === ' ' || text[k + indent] === '\t') indent++;
  let last = end;
  for (let at = end; at < text.length; ) {
    const start = at + (text[at] === '\r' && text[at + 1] === '\n' ? 2 : 1);
    let stop = start;
    while (stop < text.length && text[stop] !== '\n' && text[stop] !== '\r') stop++;
    let lead = start;
    while (lead < stop && (text[lead] === ' ' || text[lead] === '\t')) lead++;
    if (lead < stop) {
      if (lead - start <= indent) break;
      const quote = inString === false ? -1 : closingQuote(text, lead, stop, inString === true ? undefined : inString);
      if (quote !== -1) {
        if (quote > lead) last = quote;
        break;
      }
      last = stop;
    }
    at = stop;
  }
  return last;
}
