/**
 * The project stands alone: a clone with nothing beside it must build, run and pass its tests, and a reader of
 * its docs or code must find every cited document inside it. So no file may reach outside the project's folder,
 * nor cite a design document the project does not hold.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const scanned = ["src", "test", "bench", "examples", "docs", ".ci", "README.md", "CHANGELOG.md", "package.json"];
const textFile = /\.(ts|mts|mjs|js|json|md|sh|html|css)$|^run$/;

function* files(path: string): Generator<string> {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) {
      if (entry !== "node_modules" && entry !== "dist") yield* files(join(path, entry));
    }
  } else if (textFile.test(path.split("/").at(-1) ?? "")) {
    yield path;
  }
}

// Built from parts so that this file does not match itself.
const outside = [["..", "shared"].join("/"), ["", "work", "shared"].join("/"), ["shared", "fixtures"].join("/")];
const designCitation = new RegExp(["DESIGN", "(\\.md|\\s*§)"].join(""));

describe("the project stands alone", () => {
  const all = scanned.flatMap((entry) => [...files(join(root, entry))]);

  it("scans the whole project", () => {
    expect(all.length).toBeGreaterThan(50);
  });

  it("reads nothing outside its own folder", () => {
    const offenders = all.filter((file) => outside.some((path) => readFileSync(file, "utf8").includes(path)));
    expect(offenders.map((file) => relative(root, file))).toEqual([]);
  });

  it("cites its own docs/, never a design document a user does not have", () => {
    const offenders = all.filter((file) => designCitation.test(readFileSync(file, "utf8")));
    expect(offenders.map((file) => relative(root, file))).toEqual([]);
  });
});
