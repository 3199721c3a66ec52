import { seriesKey } from '../core/labels.js';
import type { FamilyState } from './state.js';

/**
 * How the gauges of several processes become one value per series:
 * - `sum` (default): queue depths, connections, memory add up across processes;
 * - `min` / `max`: the lowest or highest process (event-loop lag: `max`);
 * - `per-worker`: no merge; each process's series gets a label naming it (`worker="3"`).
 */
export type GaugeMerge = 'sum' | 'min' | 'max' | 'per-worker';

/** One merged series: a counter or gauge value, or histogram bucket counts. */
export type MergedSeries = { labels: Record<string, string>; value: number } | { labels: Record<string, string>; counts: Float64Array; sum: number; count: number };

/** One merged family, in the shape the exposition renders. */
export interface MergedFamily {
  name: string;
  kind: FamilyState['kind'];
  help: string;
  unit: string | undefined;
  /** Histograms: bucket upper bounds (without +Inf). */
  buckets: readonly number[] | undefined;
  series: Map<string, MergedSeries>;
}

/** How a {@link StateMerger} treats gauges. */
export interface MergeSettings {
  gaugeMerge(name: string): GaugeMerge;
  /** Label naming the process of a `per-worker` gauge series. */
  workerLabel: string;
}

/** Sum every gauge: how exited workers' counters and histograms are kept (their gauges are not). */
const SUM_ALL: MergeSettings = { gaugeMerge: () => 'sum', workerLabel: 'worker' };

/**
 * Merges the states of several processes exactly: counters and histogram bucket counts, sums
 * and counts add up (quantiles are never averaged: there are none, only buckets); gauges merge
 * as {@link GaugeMerge} says. A family that cannot merge with what came before (another kind,
 * unit or bucket layout, or sample names another family exposes) is left out and counted in
 * `conflicts`; the first process to bring a family sets its help text.
 */
export class StateMerger {
  readonly families = new Map<string, MergedFamily>();
  /** Families left out because they did not match the one merged under their name. */
  conflicts: string[] = [];
  private readonly sampleOwners = new Map<string, string>();
  private series = 0;

  constructor(private readonly settings: MergeSettings = SUM_ALL) {}

  /** Series merged so far, all families together. */
  get seriesCount(): number {
    return this.series;
  }

  /** Adds the families of one process, `source` naming it (the `per-worker` label value). */
  add(source: string, families: readonly FamilyState[]): void {
    for (const state of families) {
      const family = this.familyFor(state);
      if (family === undefined) {
        this.conflicts.push(state.name);
        continue;
      }
      const mode = state.kind === 'gauge' ? this.settings.gaugeMerge(state.name) : 'sum';
      if (mode === 'per-worker' && state.series.some((s) => this.settings.workerLabel in s.labels)) {
        this.conflicts.push(state.name);
        continue;
      }
      for (const s of state.series) {
        const labels = mode === 'per-worker' ? { ...s.labels, [this.settings.workerLabel]: source } : s.labels;
        const key = seriesKey(labels);
        const merged = family.series.get(key);
        if (merged === undefined) {
          this.series++;
          family.series.set(key, 'counts' in s ? { labels, counts: Float64Array.from(s.counts), sum: s.sum, count: s.count } : { labels, value: s.value });
        } else if ('counts' in merged && 'counts' in s) {
          for (let i = 0; i < merged.counts.length; i++) merged.counts[i]! += s.counts[i]!;
          merged.sum += s.sum;
          merged.count += s.count;
        } else if ('value' in merged && 'value' in s) {
          merged.value = mode === 'min' ? Math.min(merged.value, s.value) : mode === 'max' ? Math.max(merged.value, s.value) : merged.value + s.value;
        }
      }
    }
  }

  /** The merged families as states again (to keep, or to merge into another merger). */
  toStates(): FamilyState[] {
    const out: FamilyState[] = [];
    for (const f of this.families.values()) {
      const base = { name: f.name, help: f.help, unit: f.unit };
      if (f.kind === 'histogram') {
        const series = [...f.series.values()].map((s) => ('counts' in s ? { labels: s.labels, counts: Array.from(s.counts), sum: s.sum, count: s.count } : undefined)).filter((s) => s !== undefined);
        out.push({ ...base, kind: 'histogram', buckets: [...f.buckets!], series });
      } else {
        const series = [...f.series.values()].map((s) => ('value' in s ? { labels: s.labels, value: s.value } : undefined)).filter((s) => s !== undefined);
        out.push({ ...base, kind: f.kind, series });
      }
    }
    return out;
  }

  /** The merged family `state` goes into, created if new; undefined when it conflicts. */
  private familyFor(state: FamilyState): MergedFamily | undefined {
    const buckets = state.kind === 'histogram' ? state.buckets : undefined;
    const existing = this.families.get(state.name);
    if (existing !== undefined) {
      if (existing.kind !== state.kind || existing.unit !== state.unit) return undefined;
      if (buckets !== undefined && (existing.buckets!.length !== buckets.length || existing.buckets!.some((b, i) => b !== buckets[i]))) return undefined;
      return existing;
    }
    const samples = sampleNames(state.name, state.kind);
    if (samples.some((s) => this.sampleOwners.has(s))) return undefined;
    for (const s of samples) this.sampleOwners.set(s, state.name);
    const family: MergedFamily = { name: state.name, kind: state.kind, help: state.help, unit: state.unit, buckets, series: new Map() };
    this.families.set(state.name, family);
    return family;
  }
}

/** Every sample name a family exposes in either format (as the registry reserves them). */
function sampleNames(name: string, kind: FamilyState['kind']): string[] {
  if (kind === 'gauge') return [name];
  if (kind === 'histogram') return [name, `${name}_bucket`, `${name}_count`, `${name}_sum`, `${name}_created`];
  const base = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
  return [base, `${base}_total`, `${base}_created`];
}
