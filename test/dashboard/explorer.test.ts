/**
 * The metric explorer's reads of GET /metrics/names (src/dashboard/page/explorer.ts), run in Node
 * on a stand-in for the few DOM pieces it touches and a fetch that answers as the route does
 * (`match` in any case, at most `limit`, `truncated` when cut). The page's code is the module the
 * bundle is built from; each test imports it afresh.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** A fetch that keeps calling past this many requests is looping: it is stopped and the test fails. */
const RUNAWAY = 20;

interface FakeElement {
  value: string;
  textContent: string;
  options: FakeElement[];
  listeners: Map<string, (() => void)[]>;
}

function fakeElement(): FakeElement & Record<string, unknown> {
  const element: FakeElement & Record<string, unknown> = {
    value: '',
    textContent: '',
    options: [],
    listeners: new Map(),
    style: {},
    addEventListener(event: string, listener: () => void) {
      element.listeners.set(event, [...(element.listeners.get(event) ?? []), listener]);
    },
    replaceChildren(...children: FakeElement[]) {
      element.options = children;
    },
    getBoundingClientRect: () => ({ width: 100, height: 100 }),
    clientWidth: 100,
    append() {},
    appendChild() {},
  };
  return element;
}

type Explorer = typeof import('../../src/dashboard/page/explorer.js');

let elements: Map<string, ReturnType<typeof fakeElement>>;
let requests: string[];
/** Answers wait for this promise (taken when the request is made): a test holds a read under way. */
let gate: Promise<void>;
let runaway: Promise<void>;
let stopRunaway: () => void;

function element(id: string): ReturnType<typeof fakeElement> {
  let found = elements.get(id);
  if (found === undefined) elements.set(id, (found = fakeElement()));
  return found;
}

/** A fleet of `count` metric names, served as GET /metrics/names serves them. */
function serveFleet(count: number): void {
  const all = Array.from({ length: count }, (_, i) => `metric_${String(i).padStart(4, '0')}`);
  vi.stubGlobal('fetch', async (url: string) => {
    requests.push(url);
    if (requests.length > RUNAWAY) {
      stopRunaway();
      return new Promise(() => undefined);
    }
    await gate;
    const query = new URL(url, 'http://localhost').searchParams;
    const match = query.get('match')?.toLowerCase();
    const limit = Number(query.get('limit') ?? 1000);
    const matching = all.filter((name) => match === undefined || name.includes(match));
    const body = { names: matching.slice(0, limit).map((name) => ({ name, kind: 'counter', local: false })), truncated: matching.length > limit, store: 'listed' };
    return { status: 200, json: async () => body };
  });
}

function type(word: string): void {
  const filter = element('series-filter');
  filter.value = word;
  for (const listener of filter.listeners.get('input') ?? []) listener();
}

function listed(): string[] {
  return element('series').options.map((o) => o.value);
}

async function loadExplorer(): Promise<Explorer> {
  vi.resetModules();
  const explorer = await import('../../src/dashboard/page/explorer.js');
  explorer.onExplorerChange(() => undefined);
  return explorer;
}

beforeEach(() => {
  elements = new Map();
  requests = [];
  gate = Promise.resolve();
  runaway = new Promise((resolve) => (stopRunaway = resolve));
  vi.stubGlobal('location', { pathname: '/dashboard', search: '' });
  vi.stubGlobal('document', { getElementById: element, createElement: () => fakeElement() });
  vi.stubGlobal('ResizeObserver', class { observe(): void {} });
  vi.stubGlobal('sessionStorage', { getItem: () => null });
  vi.stubGlobal('matchMedia', () => ({ matches: false, addListener() {}, addEventListener() {} }));
  // The page reads on its own clock (Date.now()) when the filter changes: held still here, so the
  // polls' `at` below are on the same clock.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(1_000_000);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const ALL = '/metrics/names?limit=1000';
const NARROWED = '/metrics/names?limit=1000&match=metric_1999';

describe('the metric explorer with more fleet names than one read lists', () => {
  it('narrows the names by the filter in one more read, and polls go on narrowed, not in a loop', async () => {
    serveFleet(2000);
    const explorer = await loadExplorer();
    const at = 1_000_000;
    await explorer.explore([], at, 0);
    expect(requests).toEqual([ALL]);
    expect(listed()).toHaveLength(300);

    type('metric_1999');
    await Promise.race([explorer.explore([], at + 2_000, 0), runaway]);
    expect(requests).toEqual([ALL, NARROWED]);
    expect(listed()).toEqual(['n:metric_1999']);

    // The names are read again after 30 s: still narrowed, once.
    await Promise.race([explorer.explore([], at + 31_000, 0), runaway]);
    expect(requests).toEqual([ALL, NARROWED, NARROWED]);
    expect(listed()).toEqual(['n:metric_1999']);

    // An emptied filter reads all names again.
    type('');
    await Promise.race([explorer.explore([], at + 33_000, 0), runaway]);
    expect(requests).toEqual([ALL, NARROWED, NARROWED, ALL]);
    expect(listed()).toHaveLength(300);
  });

  it('a word typed while a poll reads all names waits for that read, then narrows: no late answer overwrites it', async () => {
    serveFleet(2000);
    const explorer = await loadExplorer();
    const at = 1_000_000;
    await explorer.explore([], at, 0);

    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    const poll = explorer.explore([], at + 31_000, 0);
    type('metric_1999');
    // One read at a time: the filter joins the poll's read instead of starting its own beside it.
    expect(requests).toEqual([ALL, ALL]);
    gate = Promise.resolve();
    release();
    await Promise.race([poll, runaway]);
    expect(requests).toEqual([ALL, ALL, NARROWED]);
    expect(listed()).toEqual(['n:metric_1999']);
  });

  it('a word typed before the first read answers narrows the list when it does', async () => {
    serveFleet(2000);
    const explorer = await loadExplorer();
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    const poll = explorer.explore([], 1_000_000, 0);
    type('metric_1999');
    gate = Promise.resolve();
    release();
    await Promise.race([poll, runaway]);
    expect(requests).toEqual([ALL, NARROWED]);
    expect(listed()).toEqual(['n:metric_1999']);
  });
});

describe('the metric explorer with a fleet one read lists', () => {
  it('filters in the page and never asks the route to narrow', async () => {
    serveFleet(600);
    const explorer = await loadExplorer();
    await explorer.explore([], 1_000_000, 0);
    type('metric_0599');
    await Promise.race([explorer.explore([], 1_002_000, 0), runaway]);
    expect(requests).toEqual([ALL]);
    expect(listed()).toEqual(['n:metric_0599']);
  });
});
