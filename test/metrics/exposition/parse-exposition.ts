/**
 * A small, strict reader of the text exposition formats for tests: it undoes the escaping the
 * formats define and throws on anything else, so a test can compare what a scraper reads with
 * what was recorded (label values with quotes, backslashes, newlines and unicode).
 */

/** One sample line: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The value exactly as written. */
  rawValue: string;
}

/** The metadata lines of one family, by kind (`HELP` text unescaped for `format`). */
export interface Metadata {
  type?: string;
  unit?: string;
  help?: string;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
// Go ParseFloat syntax as the text formats use it (decimal, exponent), plus NaN and infinities.
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Every sample line of an exposition, in order. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    samples.push(parseSampleLine(line));
  }
  return samples;
}

/** Reads one sample line; throws on anything either format would reject. */
export function parseSampleLine(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) throw new Error(`no metric name in ${JSON.stringify(line)}`);
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos++;
    while (line[pos] !== '}') {
      const labelName = LABEL_NAME.exec(line.slice(pos))?.[0];
      if (labelName === undefined) throw new Error(`bad label name at ${pos} in ${JSON.stringify(line)}`);
      pos += labelName.length;
      if (line[pos] !== '=' || line[pos + 1] !== '"') throw new Error(`expected =" at ${pos} in ${JSON.stringify(line)}`);
      pos += 2;
      let value = '';
      for (;;) {
        const ch = line[pos];
        if (ch === undefined) throw new Error(`unterminated label value in ${JSON.stringify(line)}`);
        if (ch === '"') break;
        if (ch === '\\') {
          const next = line[pos + 1];
          if (next === '\\') value += '\\';
          else if (next === '"') value += '"';
          else if (next === 'n') value += '\n';
          else throw new Error(`invalid escape \\${next} in ${JSON.stringify(line)}`);
          pos += 2;
        } else {
          value += ch;
          pos++;
        }
      }
      pos++;
      if (labelName in labels) throw new Error(`label ${labelName} repeated in ${JSON.stringify(line)}`);
      labels[labelName] = value;
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') throw new Error(`expected , or } at ${pos} in ${JSON.stringify(line)}`);
    }
    pos++;
  }
  if (line[pos] !== ' ') throw new Error(`expected a space before the value in ${JSON.stringify(line)}`);
  const rawValue = line.slice(pos + 1);
  return { name, labels, value: parseValue(rawValue), rawValue };
}

/** A sample value as both formats write it. */
export function parseValue(raw: string): number {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return Number.NaN;
  if (!FLOAT.test(raw)) throw new Error(`invalid sample value ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** Undoes HELP escaping: Prometheus 0.0.4 knows `\\` and `\n` only; OpenMetrics adds `\"`. */
export function unescapeHelp(text: string, format: 'prometheus' | 'openmetrics'): string {
  return text.replace(/\\(.)/g, (_, ch: string) => {
    if (ch === '\\') return '\\';
    if (ch === 'n') return '\n';
    if (ch === '"' && format === 'openmetrics') return '"';
    throw new Error(`invalid HELP escape \\${ch} in ${format}`);
  });
}

/** The metadata (`# TYPE`, `# UNIT`, `# HELP`) of the family `name`. */
export function metadataOf(text: string, name: string, format: 'prometheus' | 'openmetrics'): Metadata {
  const out: Metadata = {};
  for (const line of text.split('\n')) {
    const m = /^# (TYPE|UNIT|HELP) (\S+)(?: (.*))?$/.exec(line);
    if (m === null || m[2] !== name) continue;
    const rest = m[3] ?? '';
    if (m[1] === 'TYPE') out.type = rest;
    else if (m[1] === 'UNIT') out.unit = rest;
    else out.help = unescapeHelp(rest, format);
  }
  return out;
}

/** The samples called `name` whose labels include `labels`. */
export function samplesOf(text: string, name: string, labels: Record<string, string> = {}): Sample[] {
  return parseSamples(text).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The one sample called `name` with exactly `labels`; throws if there is none. */
export function valueOf(text: string, name: string, labels: Record<string, string> = {}): number {
  const keys = Object.keys(labels);
  const found = samplesOf(text, name, labels).filter((s) => Object.keys(s.labels).length === keys.length);
  if (found.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0]!.value;
}

/** `le` bounds and cumulative counts of the `_bucket` samples of one histogram series, in output order. */
export function bucketsOf(text: string, name: string, labels: Record<string, string> = {}): { le: string; count: number }[] {
  return samplesOf(text, `${name}_bucket`, labels).map((s) => ({ le: s.labels['le']!, count: s.value }));
}
