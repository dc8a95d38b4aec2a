// sendPaced over a real socket: what the reader gets is exactly the parts' UTF-8, whatever the parts' lengths and
// wherever a 64 Ki-character slice falls (never between the two halves of a surrogate pair).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendPaced } from "../../src/runtime/paced-response.js";

let parts: string[] = [];
const server = createServer((_req, res) => {
  const length = parts.reduce((n, p) => n + Buffer.byteLength(p), 0);
  void sendPaced(res, { "content-type": "text/plain; charset=utf-8", "content-length": length }, parts, 5_000);
});
let url = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const SLICE = 64 * 1024;

describe("sendPaced", () => {
  it("writes exactly the parts' bytes, surrogate pairs across every slice boundary included (property)", async () => {
    const piece = fc.constantFrom("a", "é", "😀", "\u{10FFFF}", "\n", "\\");
    // Lengths around the slice boundaries, so that a pair straddles one.
    const part = fc
      .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -3, max: 3 }), fc.array(piece, { maxLength: 8 }))
      .map(([slices, shift, tail]) => {
        const head = "😀".repeat(Math.max(0, (slices * SLICE + shift) >> 1));
        return `${slices % 2 === 1 ? "x" : ""}${head}${tail.join("")}`;
      });
    await fc.assert(
      fc.asyncProperty(fc.array(part, { minLength: 1, maxLength: 3 }), async (given) => {
        parts = given;
        const res = await fetch(url);
        const body = Buffer.from(await res.arrayBuffer());
        expect(body.equals(Buffer.from(given.join(""), "utf8"))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});
