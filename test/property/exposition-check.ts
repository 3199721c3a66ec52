/**
 * Checks expositions with the real parsers, many documents per process:
 * - text 0.0.4 with `promtool check metrics` (client_golang's parser), documents concatenated with
 *   a per-document prefix on every family name so families never collide; lint findings (exit 3)
 *   are about names a user chose and are not failures here, a parse error (exit 1) is;
 * - OpenMetrics 1.0 with the strict Python parser (test/helpers/openmetrics.ts), which also
 *   yields the samples, so the properties can compare the series read with the series written.
 */
import { promtool } from '../helpers/promtool.js';
import { parseOpenMetricsBatch, type OpenMetricsResult, type ParsedSample } from '../helpers/openmetrics.js';

/** Prefixes every family and sample name of a text 0.0.4 document with `prefix`. */
function prefixed(doc: string, prefix: string): string {
  return doc
    .split('\n')
    .map((line) => {
      const meta = /^# (HELP|TYPE|UNIT) /.exec(line);
      if (meta !== null) return `${meta[0]}${prefix}${line.slice(meta[0].length)}`;
      if (line === '' || line.startsWith('#')) return line;
      return `${prefix}${line}`;
    })
    .join('\n');
}

function checkOne(doc: string): string | undefined {
  const run = promtool(['check', 'metrics'], doc);
  if (run.status === 0 || run.status === 3) return undefined;
  return `promtool check metrics exit ${run.status}: ${run.stderr.trim()}\n--- exposition ---\n${doc}`;
}

/** `promtool check metrics` over each text 0.0.4 document: undefined, or the parse error. */
export function promtoolVerdicts(docs: readonly string[]): (string | undefined)[] {
  if (docs.length === 0) return [];
  const combined = docs.map((d, i) => prefixed(d.endsWith('\n') || d === '' ? d : `${d}\n`, `pwfc${i}_`)).join('');
  if (checkOne(combined) === undefined) return docs.map(() => undefined);
  // Only on failure: which documents.
  return docs.map((d) => checkOne(d));
}

/** Every sample of a parse, flattened. */
export function samplesOf(result: OpenMetricsResult & { ok: true }): ParsedSample[] {
  return result.families.flatMap((f) => f.samples);
}

/**
 * A sample's series identity as Prometheus keys it: its name and labels, sorted, a label with
 * an empty value being no label (so `{a=""}` and `{}` are the same series).
 */
export function sampleKey(s: ParsedSample): string {
  const labels = Object.entries(s.labels).filter(([, v]) => v !== '');
  return JSON.stringify([s.name, labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/**
 * The strict OpenMetrics parser over each document, plus: no series twice (the parser checks
 * this within a family only for some sample kinds), and, when given, `extra` on the parse.
 */
export function openMetricsVerdicts(docs: readonly string[], extra?: (families: OpenMetricsResult & { ok: true }, index: number) => string | undefined): (string | undefined)[] {
  return parseOpenMetricsBatch(docs).map((result, i) => {
    if (!result.ok) return `strict OpenMetrics parser: ${result.error}\n--- exposition ---\n${docs[i]}`;
    const seen = new Set<string>();
    for (const s of samplesOf(result)) {
      const key = sampleKey(s);
      if (seen.has(key)) return `series exposed twice: ${key}\n--- exposition ---\n${docs[i]}`;
      seen.add(key);
    }
    const more = extra?.(result, i);
    return more === undefined ? undefined : `${more}\n--- exposition ---\n${docs[i]}`;
  });
}
