import { labelValueOf } from './series-index-labels.js';

/** What the tree needs of a series: its label set and its key. */
interface Keyed {
  readonly labels: Readonly<Record<string, string>>;
  readonly key: string;
}

/**
 * A level of the label tree: the next label's values, each leading to the next level or, when
 * one series alone has that prefix, to the series itself (its remaining labels are compared on
 * lookup). A level per label for every series cost a Map (~200 bytes) per series whenever a
 * label such as a route is unique per series.
 */
type Node<S> = Map<string, Node<S> | S>;

/**
 * The series of a metric with declared label names, found through one Map per label name, so a
 * lookup with a known label set allocates nothing (the hot path of `SeriesIndex.get`). The
 * overflow series is not in the tree: unknown label sets reach it through the index.
 */
export class LabelTree<S extends Keyed> {
  private readonly root: Node<S> = new Map();

  constructor(private readonly names: readonly string[]) {}

  /**
   * The series whose labels are those of `input` (read by name, as `labelValueOf` reads them);
   * undefined when the tree has none. Throws what reading `input` throws (a hostile proxy).
   */
  find(input: Readonly<Record<string, unknown>>): S | undefined {
    const names = this.names;
    let node: Node<S> = this.root;
    for (let i = 0; i < names.length; i++) {
      const next = node.get(labelValueOf(input, names[i]!));
      if (next === undefined) return undefined;
      if (next instanceof Map) {
        node = next;
        continue;
      }
      // The only series under this prefix: the labels left must be its own.
      for (let j = i + 1; j < names.length; j++) {
        const name = names[j]!;
        if (labelValueOf(input, name) !== next.labels[name]) return undefined;
      }
      return next;
    }
    return undefined;
  }

  /** Puts `series` under its label set (replacing a series of the same label set). */
  attach(series: S): void {
    const names = this.names;
    let node = this.root;
    for (let i = 0; i < names.length; i++) {
      const value = series.labels[names[i]!]!;
      const next = node.get(value);
      // The last label, or no other series here: the series goes here (a series put back after
      // eviction replaces one created for its label set meanwhile, as byKey does).
      if (next === undefined || i === names.length - 1) {
        node.set(value, series);
        return;
      }
      if (next instanceof Map) {
        node = next;
        continue;
      }
      // Another series has this prefix alone: a level for the next label holds both. Two label
      // sets that differ share no full path, so the last label always tells them apart.
      const level: Node<S> = new Map([[next.labels[names[i + 1]!]!, next]]);
      node.set(value, level);
      node = level;
    }
  }

  /** Takes `series` out of the tree (nothing when it is not there). */
  detach(series: S): void {
    this.detachFrom(this.root, series, 0);
  }

  /** Removes the series of `series`' label set from the level `node` (at label `depth`); true when it was there. */
  private detachFrom(node: Node<S>, series: S, depth: number): boolean {
    const value = series.labels[this.names[depth]!];
    if (value === undefined) return false;
    const child = node.get(value);
    if (child === undefined) return false;
    if (!(child instanceof Map)) {
      if (child.key !== series.key) return false;
      node.delete(value);
      return true;
    }
    if (!this.detachFrom(child, series, depth + 1)) return false;
    if (child.size === 0) node.delete(value);
    else if (child.size === 1) {
      // One series left under this prefix: it takes the level's place.
      const only = child.values().next().value!;
      if (!(only instanceof Map)) node.set(value, only);
    }
    return true;
  }
}

