// Seed 001's CI budget gate (check-performance-budget.sh) with the pulsewatch CLI:
//   PULSEWATCH_TOKEN=... pulsewatch check <api>/api/monitoring --budgets budgets.yaml --json
// The JSON is kept as the run's artifact (budgets-result.json) and shown as a table.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runCli } from '../shared/cli.js';

const BUDGETS = fileURLToPath(new URL('./budgets.yaml', import.meta.url));

/** One budget of the CLI's `--json` document (docs/cli.md). */
interface BudgetJson {
  name: string;
  status: string;
  value: number | null;
  threshold: number;
  op: 'below' | 'above';
  unit: string | null;
  severity: string;
}

/** The gate's outcome: the CLI's exit code and status, and a table of its budgets. */
export interface GateResult {
  exitCode: number | null;
  status: string;
  table: string;
}

/** Runs `pulsewatch check` with budgets.yaml against `url`, writing its JSON to `jsonPath`. */
export async function checkBudgets(url: string, token: string, window: string, jsonPath: string): Promise<GateResult> {
  // The token goes in the environment, not a flag: flags show in `ps`.
  const run = await runCli(['check', url, '--budgets', BUDGETS, '--window', window, '--json'], { PULSEWATCH_TOKEN: token });
  await writeFile(jsonPath, run.stdout);
  let doc: { status: string; budgets: BudgetJson[]; error?: { message: string } };
  try {
    doc = JSON.parse(run.stdout) as typeof doc;
  } catch {
    return { exitCode: run.code, status: 'unknown', table: run.stderr.trim() };
  }
  const rows = doc.budgets.map((b) => {
    const value = b.value === null ? 'no data' : `${round(b.value)} ${b.unit ?? ''}`.trim();
    return `${b.status.toUpperCase().padEnd(6)} ${b.name.padEnd(12)} ${value.padEnd(14)} ${b.op === 'below' ? '<' : '>'} ${round(b.threshold)} ${b.unit ?? ''}  (${b.severity})`;
  });
  if (doc.error !== undefined) rows.push(`error: ${doc.error.message}`);
  return { exitCode: run.code, status: doc.status, table: rows.join('\n') };
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
