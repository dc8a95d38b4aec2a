/**
 * Values user code may throw (or return, or reject with) that resist being read: the library's exit path must
 * survive every one of them. Each factory makes a fresh value, so a test can throw it in another process.
 */
import fc from "fast-check";

const trap = (): never => {
  throw new Error("trap: this value cannot be read");
};

/** A Proxy whose every trap throws: `instanceof`, property reads, `Object.keys`, `String()` all throw. */
export function throwingProxy(): object {
  return new Proxy(
    {},
    { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap, getOwnPropertyDescriptor: trap, apply: trap },
  );
}

export const HOSTILE_VALUES: Record<string, () => unknown> = {
  proxy: throwingProxy,
  "null-prototype-bigint": () => Object.assign(Object.create(null) as object, { n: 10n ** 30n }),
  "error-with-throwing-getters": () => {
    const error = new Error("hidden");
    // stack first: defining `message` as a getter that throws would break the lazy stack computation itself.
    Object.defineProperty(error, "stack", { get: trap });
    Object.defineProperty(error, "message", { get: trap });
    Object.defineProperty(error, "name", { get: trap });
    return error;
  },
  "error-with-proxy-cause": () => new Error("has a hostile cause", { cause: throwingProxy() }),
  undefined: () => undefined,
  null: () => null,
  symbol: () => Symbol("thrown"),
  "throwing-to-primitive": () => ({
    [Symbol.toPrimitive]: trap,
    toString: trap,
    valueOf: trap,
    toJSON: trap,
  }),
  "huge-string": () => "x".repeat(4 * 1024 * 1024),
};

/**
 * Makers of any value at all, with the hostile ones above mixed in, for property tests. Makers rather than values:
 * fast-check itself reads what it generates (looking for a clone method), which a throwing Proxy does not allow.
 */
export const thrownValue: fc.Arbitrary<() => unknown> = fc.oneof(
  fc
    .anything({ withBigInt: true, withNullPrototype: true, withMap: true, withSet: true, withTypedArray: true })
    .map((value) => () => value),
  fc.constantFrom(...Object.keys(HOSTILE_VALUES)).map((name) => HOSTILE_VALUES[name]!),
  fc.string().map((message) => () => new Error(message)),
  fc.bigInt().map((n) => () => Object.assign(Object.create(null) as object, { n })),
);
