/** One sample line of the Prometheus text exposition. */
export interface Sample {
  /** The series as written before its value: `name{label="value"}`. */
  series: string;
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples read at most: the explorer's list stays bounded whatever the monitor exposes. */
export const MAX_SAMPLES = 2_000;

/**
 * Reads the sample lines of a Prometheus text 0.0.4 exposition (comments skipped). Label values
 * are unescaped (`\\`, `\"`, `\n`); a line that cannot be read is skipped.
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (samples.length >= MAX_SAMPLES) break;
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample !== undefined) samples.push(sample);
  }
  return samples;
}

function parseLine(line: string): Sample | undefined {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (name === undefined) return undefined;
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
      if (key === undefined || line.slice(i + key.length, i + key.length + 2) !== '="') return undefined;
      i += key.length + 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) return undefined;
        i++;
        if (c === '"') break;
        if (c === '\\') {
          const next = line[i++];
          value += next === 'n' ? '\n' : (next ?? '');
        } else value += c;
      }
      labels[key] = value;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') return undefined;
    }
    i++;
  }
  const rest = line.slice(i).trim().split(/\s+/);
  const raw = rest[0];
  if (raw === undefined) return undefined;
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
  if (Number.isNaN(value) && raw !== 'NaN') return undefined;
  return { series: line.slice(0, i), name, labels, value };
}
