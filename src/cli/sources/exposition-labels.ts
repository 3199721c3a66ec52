/**
 * Reads the label values of one metric's series from a Prometheus text exposition. The CLI only
 * needs which values a label takes (which `status` codes were answered), so this parses the
 * label block of the sample lines and nothing else.
 */

/** Label sets of the samples of `metric` (its `_bucket`, `_count`, `_sum` lines too), `le` left out. */
export function seriesLabels(text: string, metric: string, maxSeries = 10_000): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const nameEnd = brace !== -1 && (space === -1 || brace < space) ? brace : space;
    if (nameEnd <= 0) continue;
    const name = line.slice(0, nameEnd);
    if (name !== metric && !(name.startsWith(`${metric}_`) && /^_(bucket|count|sum|total|created)$/.test(name.slice(metric.length)))) continue;
    const labels = nameEnd === brace ? parseLabelBlock(line, brace) : {};
    if (labels === undefined) continue;
    delete labels['le'];
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(labels);
    if (out.length >= maxSeries) break;
  }
  return out;
}

/** Parses `{a="x",b="y\"z"}` starting at `start` (the `{`); undefined when malformed. */
function parseLabelBlock(line: string, start: number): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return labels;
    const eq = line.indexOf('=', i);
    if (eq === -1 || line[eq + 1] !== '"') return undefined;
    const name = line.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === '\\') {
        j++;
        const c = line[j];
        value += c === 'n' ? '\n' : (c ?? '');
      } else value += line[j];
    }
    if (j >= line.length) return undefined;
    // Own property, never a prototype key (a label named "__proto__").
    Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
    i = j + 1;
  }
}
