import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  classifyError,
  classifyStatus,
  describeTransportError,
  parseRetryAfter,
} from "../../src/http/retry-policy.js";
import { thrownValue } from "../support/hostile-values.js";

describe("classifyStatus", () => {
  it.each([
    [200, "ok"],
    [202, "ok"],
    [204, "ok"],
    [408, "retry"],
    [413, "too_large"],
    [429, "retry"],
    [500, "retry"],
    [501, "rejected"],
    [502, "retry"],
    [503, "retry"],
    [504, "retry"],
    [505, "rejected"],
    [400, "rejected"],
    [401, "rejected"],
    [403, "rejected"],
    [404, "rejected"],
  ] as const)("%i → %s", (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});

describe("parseRetryAfter", () => {
  // A whole second, so that the second-resolution HTTP date round-trips exactly.
  const now = Date.UTC(2024, 8, 12, 10, 0, 0);

  it("reads delta-seconds as milliseconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("1", now)).toBe(1000);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
  });

  it("reads an IMF-fixdate in the future as the time until it", () => {
    expect(parseRetryAfter(new Date(now + 7000).toUTCString(), now)).toBe(7000);
    expect(parseRetryAfter("Thu, 12 Sep 2024 10:00:30 GMT", now)).toBe(30_000);
  });

  it("reads the obsolete RFC 850 and asctime date forms (asctime is UTC)", () => {
    expect(parseRetryAfter("Thursday, 12-Sep-24 10:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Thu Sep 12 10:00:09 2024", now)).toBe(9000);
  });

  it("reads a date in the past as 0 (retry now), never a negative delay", () => {
    expect(parseRetryAfter(new Date(now - 60_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now)).toBe(0);
  });

  it.each(["soon", "-1", "1.5", "1e3", "0x10", "foo 2", "abc 12", "12.5.2020", "5 seconds"])(
    "returns undefined for garbage (%j), so backoff applies",
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );

  it("returns undefined when absent or blank", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("   ", now)).toBeUndefined();
    expect(parseRetryAfter([], now)).toBeUndefined();
  });

  it("uses the first value of a repeated header", () => {
    expect(parseRetryAfter(["3", "7"], now)).toBe(3000);
    expect(parseRetryAfter(["garbage", "7"], now)).toBeUndefined();
  });
});

describe("backoffDelay (full jitter)", () => {
  const zero = (): number => 0;
  const top = (): number => 0.999;

  it("is 0 when the random draw is 0, whatever the retry", () => {
    for (const retry of [1, 2, 5, 20]) expect(backoffDelay(retry, 100, 10_000, zero)).toBe(0);
  });

  it("stays below initial * 2^(retry-1) with the highest draw", () => {
    expect(backoffDelay(1, 100, 10_000, top)).toBe(99);
    expect(backoffDelay(2, 100, 10_000, top)).toBe(199);
    expect(backoffDelay(3, 100, 10_000, top)).toBe(399);
    expect(backoffDelay(5, 100, 10_000, top)).toBe(1598);
  });

  it("is capped at maxMs", () => {
    expect(backoffDelay(8, 100, 10_000, top)).toBe(9990);
    expect(backoffDelay(30, 100, 10_000, top)).toBe(9990);
    expect(backoffDelay(5000, 100, 10_000, top)).toBe(9990);
    expect(backoffDelay(3, 100, 50, top)).toBe(49);
  });

  it("treats retry 0 like the first retry", () => {
    expect(backoffDelay(0, 100, 10_000, top)).toBe(99);
  });

  it("is a finite number within bounds for any retry, even with a 0 initial delay", () => {
    for (const retry of [1, 100, 1024, 1100, 5000]) {
      for (const random of [zero, top, () => 0.5]) {
        const initial0 = backoffDelay(retry, 0, 50, random);
        expect(initial0).toBe(0);
        const delay = backoffDelay(retry, 5, 50, random);
        expect(Number.isFinite(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(50);
      }
    }
  });

  it("uses Math.random by default and stays in [0, ceiling)", () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(3, 10, 1000);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(40);
    }
  });
});

describe("describeTransportError: the code said once", () => {
  it.each([
    // Node's messages restate the code: a failed connection is its code (the caller names the host) ...
    ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:9", "connect", "ECONNREFUSED"],
    ["ENOTFOUND", "getaddrinfo ENOTFOUND api.example", "connect", "ENOTFOUND"],
    // ... a broken one keeps its message, which says what broke.
    ["ECONNRESET", "read ECONNRESET", "network", "read ECONNRESET"],
    // A message that does not hold the code follows it; either alone is itself.
    ["CERT_HAS_EXPIRED", "certificate has expired", "connect", "CERT_HAS_EXPIRED: certificate has expired"],
    ["UND_ERR_SOCKET", "other side closed", "network", "UND_ERR_SOCKET: other side closed"],
    [undefined, "socket hang up", "network", "socket hang up"],
    ["EPIPE", "", "network", "EPIPE"],
    [undefined, "", "network", "network error"],
  ] as const)("%s + %j (%s) → %j", (code, message, errorClass, expected) => {
    expect(describeTransportError(code, message, errorClass)).toBe(expected);
  });
});

describe("classifyError", () => {
  const coded = (code: string, cause = false): Error =>
    cause
      ? new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) })
      : Object.assign(new Error(code), { code });

  it.each(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT", "CERT_HAS_EXPIRED"])(
    "%s could not connect: retried, and worth saying at once",
    (code) => {
      expect(classifyError(coded(code))).toBe("connect");
      expect(classifyError(coded(code, true))).toBe("connect");
    },
  );

  it.each(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"])(
    "%s is a network fault: retried",
    (code) => {
      expect(classifyError(coded(code))).toBe("network");
    },
  );

  it.each([
    "UND_ERR_INVALID_ARG",
    "ERR_INVALID_CHAR",
    "ERR_INVALID_ARG_TYPE",
    "ERR_INVALID_URL",
    "UND_ERR_NOT_SUPPORTED",
  ])("%s: the request cannot be made, never retried", (code) => {
    expect(classifyError(coded(code))).toBe("invalid_request");
  });

  it("an argument TypeError without a code is not retried; anything else unknown is", () => {
    expect(classifyError(new TypeError("bad header"))).toBe("invalid_request");
    expect(classifyError(new Error("something"))).toBe("network");
    expect(classifyError("a string")).toBe("network");
  });

  it("never throws, whatever the value (property)", () => {
    fc.assert(
      fc.property(thrownValue, (make) => {
        expect(["connect", "network", "invalid_request"]).toContain(classifyError(make()));
      }),
      { numRuns: 500 },
    );
  });
});
