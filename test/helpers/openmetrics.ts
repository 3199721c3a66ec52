/**
 * A strict OpenMetrics 1.0 parser for the tests: the reference one, `prometheus_client`'s
 * `openmetrics.parser.text_string_to_metric_families` (Debian `python3-prometheus-client`,
 * installed by scripts/ensure-test-deps.sh). It refuses what Prometheus' scrape parser lets
 * through: a series exposed twice, a bad HELP escape, an `le` spelled other than canonically,
 * samples of a family split by another family, a missing `# EOF`.
 *
 * Debian's own /usr/bin/python3 runs it, not whichever python3 is first on PATH: a pyenv build
 * does not see Debian's dist-packages. `PULSEWATCH_PYTHON` names another interpreter.
 *
 * Many documents are parsed in one interpreter run ({@link parseOpenMetricsBatch}): starting
 * Python costs ~50 ms, a property checks hundreds of documents.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODULE = 'prometheus_client.openmetrics.parser';

/** One sample as the parser read it: values as Python's repr (`nan`, `inf` stay exact). */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: string;
}

/** One family as the parser read it. */
export interface ParsedFamily {
  name: string;
  type: string;
  unit: string;
  help: string;
  samples: ParsedSample[];
}

/** What the parser made of one document: its families, or its error. */
export type OpenMetricsResult = { ok: true; families: ParsedFamily[] } | { ok: false; error: string };

// Reads a JSON list of documents on stdin; prints a JSON list of results. The generator is
// consumed fully: the parser raises on most errors only when it reaches them.
const SCRIPT = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for doc in json.load(sys.stdin):
    try:
        fams = []
        for f in text_string_to_metric_families(doc):
            fams.append({"name": f.name, "type": f.type, "unit": f.unit, "help": f.documentation,
                         "samples": [{"name": s.name, "labels": s.labels, "value": repr(float(s.value))} for s in f.samples]})
        out.append({"ok": True, "families": fams})
    except Exception as e:
        out.append({"ok": False, "error": type(e).__name__ + ": " + str(e)})
json.dump(out, sys.stdout)
`;

let python: string | undefined;

function canImport(exe: string): boolean {
  return existsSync(exe) && spawnSync(exe, ['-c', `import ${MODULE}`], { encoding: 'utf8' }).status === 0;
}

/**
 * The interpreter that has the parser. Installs it when missing (scripts/ensure-test-deps.sh,
 * idempotent); never skips: without it the calling suite fails with the installer's message.
 */
export function openMetricsPython(): string {
  if (python !== undefined) return python;
  const exe = process.env.PULSEWATCH_PYTHON ?? '/usr/bin/python3';
  if (!canImport(exe)) {
    const ensure = spawnSync('bash', [join(ROOT, 'scripts/ensure-test-deps.sh')], { encoding: 'utf8', timeout: 300_000 });
    if (ensure.status !== 0) throw new Error(`scripts/ensure-test-deps.sh failed (exit ${ensure.status}):\n${ensure.stderr}${ensure.stdout}`);
    if (!canImport(exe)) throw new Error(`${exe} cannot import ${MODULE}: install Debian's python3-prometheus-client or set PULSEWATCH_PYTHON`);
  }
  python = exe;
  return exe;
}

/** Parses every document with the strict parser, in one interpreter run. */
export function parseOpenMetricsBatch(docs: readonly string[]): OpenMetricsResult[] {
  if (docs.length === 0) return [];
  const r = spawnSync(openMetricsPython(), ['-c', SCRIPT], { input: JSON.stringify(docs), encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`the OpenMetrics parser script failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as OpenMetricsResult[];
}

/** Parses one document with the strict parser. */
export function parseOpenMetrics(doc: string): OpenMetricsResult {
  return parseOpenMetricsBatch([doc])[0]!;
}
