// The README's Errors table names every code of the exported ErrorCode union, so a new code cannot go
// undocumented (ERR_USAGE once was).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("README: Errors", () => {
  it("its table has a row for every code of ErrorCode, and no other", () => {
    const source = readFileSync(join(ROOT, "src/errors.ts"), "utf8");
    const union = /export type ErrorCode =([^;]*);/.exec(source)?.[1] ?? "";
    const codes = [...union.matchAll(/"(ERR_[A-Z_]+)"/g)].map((m) => m[1]).sort();
    expect(codes).toContain("ERR_USAGE");
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(
      readme.indexOf("\n## Errors\n"),
      readme.indexOf("\n## ", readme.indexOf("\n## Errors\n") + 1),
    );
    const rows = [...section.matchAll(/^\|[^|\n]*\| `(ERR_[A-Z_]+)` *\|/gm)].map((m) => m[1]).sort();
    expect(rows).toEqual(codes);
  });
});
