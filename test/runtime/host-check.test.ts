import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAllowedHost, isLoopbackAddress } from "../../src/runtime/host-check.js";

describe("isLoopbackAddress", () => {
  it("is true for 127.0.0.0/8, ::1 and IPv4-mapped 127.x only", () => {
    for (const a of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]) {
      expect(isLoopbackAddress(a), a).toBe(true);
    }
    for (const a of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "::ffff:10.0.0.1", "128.0.0.1", "localhost", ""]) {
      expect(isLoopbackAddress(a), a).toBe(false);
    }
  });
});

describe("isAllowedHost (the DNS-rebinding guard)", () => {
  it("accepts the bound address and localhost, with or without a port", () => {
    for (const h of ["127.0.0.1", "127.0.0.1:8080", "localhost", "LOCALHOST:1", "localhost:65535"]) {
      expect(isAllowedHost(h, "127.0.0.1"), h).toBe(true);
    }
    for (const h of ["[::1]", "[::1]:8080", "[0:0:0:0:0:0:0:1]:80", "localhost:8080"]) {
      expect(isAllowedHost(h, "::1"), h).toBe(true);
    }
  });

  it("refuses other names, other addresses, look-alikes and malformed values", () => {
    const refused = [
      undefined,
      "",
      "evil.example",
      "evil.example:8080",
      "127.0.0.1.evil.example",
      "localhost.evil.example",
      "localhost.",
      "127.0.0.2:8080",
      "[::1]:8080",
      "127.0.0.1:8080:1",
      "127.0.0.1:",
      "user@127.0.0.1",
      "127.0.0.1/x",
      " 127.0.0.1",
      "127.0.0.1\r\nX-Injected: 1",
      "127.0.0.1:123456",
      "2130706433",
      "0x7f.0.0.1",
    ];
    for (const h of refused) expect(isAllowedHost(h, "127.0.0.1"), String(h)).toBe(false);
    expect(isAllowedHost("127.0.0.1:8080", "::1")).toBe(false);
  });

  it("property: any Host header other than the two allowed names (any port) is refused", () => {
    const allowed = /^(127\.0\.0\.1|localhost)(:\d{1,5})?$/i;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.domain(), fc.ipV4(), fc.webAuthority()), (host) => {
        expect(isAllowedHost(host, "127.0.0.1")).toBe(allowed.test(host));
      }),
      { numRuns: 2000 },
    );
  });
});
