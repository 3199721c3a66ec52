/**
 * Generators of what a JavaScript caller (or an HTTP client) can hand pulsewatch: every kind of
 * value, strings that break naive escaping and keying (lone surrogates, NUL, \u0001, CR/LF, the
 * overflow marker), objects that throw when read, and near-valid records and rules that reach
 * deep into the code rather than failing the first check.
 */
import fc from 'fast-check';

/** Strings known to break something somewhere: keys, escapes, UTF-8, prototypes, markers. */
export const NASTY_STRINGS = [
  '',
  '__overflow__',
  'true',
  '\u0000',
  '\u0001',
  'a\u0001b',
  'x\u0000y\u0001',
  '\r',
  '\n',
  '\r\n',
  '\\',
  '"',
  '\\n',
  '\ud800',
  '\udfff',
  '😀 Bob'.slice(0, 1),
  '😀',
  '# EOF',
  'le',
  'NaN',
  '+Inf',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  ' ',
] as const;

/** Any UTF-16 code unit, surrogate halves and control characters included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Mostly the characters that matter, so collisions and escapes happen often. */
const hotUnit = fc.constantFrom('a', 'b', '\u0000', '\u0001', '\n', '\r', '"', '\\', '\ud83d', '\ude00', '_', '=', ',', '{', '}');

/** A hostile string: a known troublemaker, a short mix of hot characters, or any code units. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ unit: hotUnit, maxLength: 8 }),
  fc.string({ unit: codeUnit, maxLength: 12 }),
  fc.string({ maxLength: 12 }),
);

/** A valid-looking label name, sometimes one a metric declares. */
export const labelName: fc.Arbitrary<string> = fc.oneof(fc.constantFrom('route', 'tenant', 'queue', 'a', 'b', 'overflow', 'le', '__name__', '__proto__'), fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/));

/** Numbers at the edges. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e16, 1e21, 2 ** 53, 0.1),
  fc.double(),
  fc.integer(),
);

/**
 * An object that fights back, described rather than built: fast-check must be able to print a
 * counterexample, and a revoked proxy cannot even be printed. {@link real} builds it at call time.
 */
export class Trap {
  constructor(readonly kind: 'revoked proxy' | 'throwing getter' | 'throwing toString' | 'throwing valueOf') {}
  [fc.toStringMethod](): string {
    return `<${this.kind}>`;
  }
}

/** Traps: a revoked proxy, a throwing getter, toString and valueOf that throw. */
export const trapObject: fc.Arbitrary<Trap> = fc.constantFrom('revoked proxy', 'throwing getter', 'throwing toString', 'throwing valueOf').map((k) => new Trap(k));

/** The value a {@link Trap} describes (other values as they are), also one level inside a plain object. */
export function real(v: unknown): unknown {
  if (v instanceof Trap) {
    switch (v.kind) {
      case 'revoked proxy': {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      }
      case 'throwing getter':
        return Object.defineProperty({}, 'route', { enumerable: true, get: () => { throw new Error('getter'); } });
      case 'throwing toString':
        return { toString: () => { throw new Error('toString'); } };
      default:
        return { valueOf: () => { throw new Error('valueOf'); } };
    }
  }
  const proto: unknown = v !== null && typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
  if (v !== null && typeof v === 'object' && (proto === Object.prototype || proto === null) && Object.values(v).some((x) => x instanceof Trap)) {
    // Same prototype, keys defined (a "__proto__" key stays a key).
    const out = Object.create(proto as object | null) as Record<string, unknown>;
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: x instanceof Trap ? real(x) : x, enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** Any value a caller can pass, but objects that throw when read ({@link hostileValue} has those too). */
export const plainHostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: edgeNumber, weight: 4 },
  { arbitrary: hostileString, weight: 3 },
  { arbitrary: fc.constantFrom(null, undefined, true, false), weight: 2 },
  { arbitrary: fc.bigInt(), weight: 1 },
  { arbitrary: fc.constantFrom(Symbol('s'), () => 1, new Date(NaN), new Date(0), Object.create(null) as object, [], [1], Object(1) as object), weight: 1 },
  { arbitrary: fc.anything({ maxDepth: 1 }), weight: 1 },
);

/** Any value a caller can pass, objects that throw when read included. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof({ arbitrary: plainHostileValue, weight: 9 }, { arbitrary: trapObject, weight: 1 });

/** A label object: declared names with hostile values, random names, or no object at all. */
export function labelInput(declared: readonly string[], value: fc.Arbitrary<unknown> = hostileValue): fc.Arbitrary<unknown> {
  const declaredValues = fc.record(Object.fromEntries(declared.map((n) => [n, fc.oneof(fc.constantFrom('x', 'y', '__overflow__', ''), hostileString, value)])), { requiredKeys: [] });
  return fc.oneof(
    { arbitrary: declaredValues, weight: 5 },
    { arbitrary: fc.dictionary(labelName, value, { maxKeys: 4 }), weight: 2 },
    { arbitrary: fc.constantFrom(null, undefined, 0, 'route', true), weight: 2 },
    { arbitrary: value, weight: 1 },
  );
}

/** Timestamps around `now`: valid, late, too late, future, absurd, and not numbers at all. */
export function timestampNear(now: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: -120_000, max: 60_000 }).map((d) => now + d),
    fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }).map((d) => now + d),
    fc.constantFrom(-1e16, 1e16, 1e20, -1, 0, NaN, Infinity, 8.64e15 + 1),
    fc.integer({ min: -600_000, max: 600_000 }).map((d) => new Date(now + d).toISOString()),
    fc.constantFrom('not a date', '', '2026-13-45', new Date(NaN), new Date(now), '+275760-09-13T00:00:00.001Z'),
    hostileValue,
  );
}

/** A metric name recordMetric might be given: a few repeat (so units and series collide). */
export const recordName: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom('response_time', 'payload_size', 'API_RESPONSE_TIME', 'prop_requests_total', 'pulsewatch_dropped_total', 'job_duration_milliseconds'), weight: 6 },
  { arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), weight: 2 },
  { arbitrary: hostileString, weight: 1 },
  { arbitrary: hostileValue, weight: 1 },
);

/** A near-valid metric record (seed 003's shape) with hostile parts, or anything at all. */
export function metricRecord(now: number): fc.Arbitrary<unknown> {
  const near = fc.record(
    {
      metricType: recordName,
      value: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 5_000 }), weight: 4 }, { arbitrary: hostileValue, weight: 1 }),
      unit: fc.oneof(fc.constantFrom(undefined, 'ms', 'seconds', 'bytes', 'percent', 'count'), hostileString),
      tags: fc.oneof(
        { arbitrary: fc.dictionary(labelName, fc.oneof(fc.constantFrom('x', 'true', '__overflow__', ''), hostileString), { maxKeys: 3 }), weight: 4 },
        { arbitrary: fc.dictionary(labelName, hostileValue, { maxKeys: 3 }), weight: 1 },
        { arbitrary: hostileValue, weight: 1 },
      ),
      timestamp: timestampNear(now),
      overflow: fc.constantFrom('true', 'false', ''),
      endpoint: fc.oneof(fc.constantFrom('/a', '/b'), hostileString),
    },
    { requiredKeys: ['metricType', 'value'] },
  );
  return fc.oneof({ arbitrary: near, weight: 8 }, { arbitrary: fc.anything({ maxDepth: 2 }), weight: 1 }, { arbitrary: hostileValue, weight: 1 });
}

/** A duration as written: numbers, unit strings of any length, junk. */
export const durationInput: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(fc.stringMatching(/^[0-9]{1,400}(\.[0-9]{1,5})?$/), fc.constantFrom('ms', 's', 'm', 'h', 'd', '', 'w', 'S')).map(([n, u]) => `${n}${u}`),
  fc.constantFrom('1'.repeat(309) + 'ms', '9'.repeat(400) + 'd', '1e3s', '-5m', ' 5m ', '5 m', '0', '0s', 'Infinityms', 'NaNs', '1.5h', '.5s'),
  edgeNumber,
  plainHostileValue,
);
