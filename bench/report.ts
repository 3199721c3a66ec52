/**
 * Turns results into tables, once, and renders them two ways: padded text for the terminal and
 * markdown for docs/performance.md, so both always show the same figures.
 */
import type { Measured } from './harness.js';

export interface Table {
  headers: string[];
  rows: string[][];
}

export interface Section {
  title: string;
  notes: string[];
  table: Table;
}

/** A pass/fail target from the brief, with the measured figure it was judged on. */
export interface Target {
  name: string;
  measured: string;
  threshold: string;
  /** undefined: the measurement cannot decide (its noise is larger than what it measures). */
  pass: boolean | undefined;
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatOps(opsPerSec: number): string {
  return int.format(opsPerSec);
}

export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

export function formatBytes(bytes: number): string {
  return Math.abs(bytes) >= 1024 ? `${(bytes / 1024).toFixed(2)} KiB` : `${bytes.toFixed(0)} B`;
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

/** Median ops/s of `name` in a case (throws if absent: a typo would silently fail a target). */
export function medianOf(results: readonly Measured[], name: string): number {
  const r = results.find((m) => m.name === name);
  if (r === undefined) throw new Error(`no result for ${name}`);
  return r.median;
}

/**
 * One row per contender: median ops/s, spread over the rounds (min-max, to show how noisy the
 * run was), and its ratio to each peer (how many times faster; the peer's own cell is 1.00x).
 */
export function throughputTable(results: readonly Measured[], peers: readonly string[]): Table {
  const present = peers.filter((p) => results.some((r) => r.name === p));
  return {
    headers: ['contender', 'ops/s (median)', 'min - max', ...present.map((p) => `vs ${p}`)],
    rows: results.map((r) => [
      r.name,
      formatOps(r.median),
      `${formatOps(r.min)} - ${formatOps(r.max)}`,
      ...present.map((p) => formatRatio(r.median / medianOf(results, p))),
    ]),
  };
}

export function targetsTable(targets: readonly Target[]): Table {
  return {
    headers: ['target', 'measured', 'threshold', 'result'],
    rows: targets.map((t) => [t.name, t.measured, t.threshold, t.pass === undefined ? 'NOT MEASURABLE' : t.pass ? 'PASS' : 'FAIL']),
  };
}

const isNumeric = (cell: string): boolean => /^[-\d.,]+( |x|%|$)/.test(cell);

/** Padded columns; numbers right-aligned. */
export function renderText(sections: readonly Section[]): string {
  let out = '';
  for (const s of sections) {
    out += `\n${s.title}\n${'='.repeat(s.title.length)}\n`;
    for (const note of s.notes) out += `${note}\n`;
    const { headers, rows } = s.table;
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]): string =>
      cells.map((c, i) => (isNumeric(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
    out += `${line(headers)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`;
    for (const r of rows) out += `${line(r)}\n`;
  }
  return out;
}

/** Markdown: one `###` heading, notes as a paragraph, and a table per section. */
export function renderMarkdown(sections: readonly Section[]): string {
  let out = '';
  for (const s of sections) {
    out += `\n### ${s.title}\n\n`;
    if (s.notes.length > 0) out += `${s.notes.join(' ')}\n\n`;
    const { headers, rows } = s.table;
    const align = headers.map((_, i) => (rows.length > 0 && rows.every((r) => isNumeric(r[i] ?? '')) ? '---:' : '---'));
    out += `| ${headers.join(' | ')} |\n| ${align.join(' | ')} |\n`;
    for (const r of rows) out += `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |\n`;
  }
  return out;
}
